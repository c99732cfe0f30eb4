/** Key-provider auto-selection: a TPM when one answers, else the file provider. */
import { access } from 'node:fs/promises';
import { DEFAULT_TPM_DEVICE, formatTcti } from './tpm/tcti.js';

/** TCTI of the local TPM resource manager when it exists and answers a GetCapability, else undefined. */
export async function detectTpm(devicePath = DEFAULT_TPM_DEVICE): Promise<string | undefined> {
  try {
    await access(devicePath);
  } catch {
    return undefined;
  }
  const tcti = { kind: 'device', path: devicePath } as const;
  const { withTpm } = await import('./tpm/client.js'); // the TPM code is loaded only where a device exists
  try {
    await withTpm(tcti, 5000, (tpm) => tpm.manufacturer());
    return formatTcti(tcti);
  } catch {
    return undefined;
  }
}
