/**
 * The agent's identity, owned by its state dir. On the first run: exactly one key generation and
 * one self-signed certificate; on every later run: none (both counted in state.json and asserted by
 * tests). The device id is SHA-384 of the key's SPKI DER.
 *
 * Provider choice: what the state dir recorded; else `keyProvider` / `tpm` options; else a TPM if
 * one answers at /dev/tpmrm0; else the file provider. A recorded provider is never switched silently.
 */
import { X509Certificate } from 'node:crypto';
import { readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { createSelfSignedCertificate } from './certificate.js';
import { detectTpm } from './detect.js';
import { deviceIdOf } from './device-id.js';
import { FILE_KEY_NAME, FileKeyProvider } from './file-provider.js';
import { IdentityKeyMismatchError, type KeyProvider, type KeyProviderKind } from './key-provider.js';
import { ensureStateDir, readState, writeFileAtomic, writeState, type IdentityState } from './state.js';
import { DEFAULT_TPM_DEVICE } from './tpm/tcti.js';

export const CERT_NAME = 'identity-cert.der';

export interface OpenIdentityOptions {
  stateDir: string;
  /** Force a provider; default: the recorded one, else auto-selection. */
  keyProvider?: KeyProviderKind;
  /** TPM TCTI (`device:/dev/tpmrm0`, `swtpm:host=127.0.0.1,port=2321`); implies `keyProvider: 'tpm'`. */
  tpm?: string;
  /** The device auto-selection probes (default /dev/tpmrm0). */
  tpmDevice?: string;
}

export interface IdentityStatus {
  deviceId: string;
  keyProvider: KeyProviderKind;
  keyGenerations: number;
  certGenerations: number;
  tpm?: string;
  createdAt: string;
}

export interface AgentIdentity {
  readonly deviceId: string;
  readonly provider: KeyProvider;
  readonly publicKeySpkiDer: Buffer;
  readonly certificateDer: Buffer;
  status(): IdentityStatus;
  close(): Promise<void>;
}

export class IdentityConfigError extends Error {
  override name = 'IdentityConfigError';
}

const toStatus = (s: IdentityState): IdentityStatus => ({
  deviceId: s.deviceId,
  keyProvider: s.keyProvider,
  keyGenerations: s.keyGenerations,
  certGenerations: s.certGenerations,
  ...(s.tpm !== undefined ? { tpm: s.tpm } : {}),
  createdAt: s.createdAt,
});

async function chooseKind(opts: OpenIdentityOptions, recorded: IdentityState | undefined): Promise<{ kind: KeyProviderKind; tcti?: string }> {
  const asked = opts.keyProvider ?? (opts.tpm !== undefined ? 'tpm' : undefined);
  if (recorded) {
    if (asked && asked !== recorded.keyProvider) {
      throw new IdentityConfigError(
        `the state dir holds a ${recorded.keyProvider} identity (device ${recorded.deviceId.slice(0, 16)}…); run \`meshwork-agent reset-identity\` before switching to ${asked}`,
      );
    }
    return { kind: recorded.keyProvider, tcti: opts.tpm ?? recorded.tpm };
  }
  if (asked === 'file') return { kind: 'file' };
  if (asked === 'tpm') return { kind: 'tpm', tcti: opts.tpm ?? `device:${opts.tpmDevice ?? DEFAULT_TPM_DEVICE}` };
  const found = await detectTpm(opts.tpmDevice);
  return found ? { kind: 'tpm', tcti: found } : { kind: 'file' };
}

interface OpenedProvider {
  provider: KeyProvider;
  generated: boolean;
  /** TPM only: what state.json records about where the key lives. */
  tpm?: { tcti: string; template: string };
}

async function openProvider(dir: string, kind: KeyProviderKind, tcti: string | undefined, recorded: IdentityState | undefined): Promise<OpenedProvider> {
  if (kind === 'file') {
    const loaded = await FileKeyProvider.load(dir);
    if (loaded) return { provider: loaded, generated: false };
    if (recorded) throw new IdentityKeyMismatchError(`${join(dir, FILE_KEY_NAME)} is missing; run \`meshwork-agent reset-identity\` to make a new identity`);
    return { provider: await FileKeyProvider.generate(dir), generated: true };
  }
  // The TPM code is loaded only when the TPM provider is used (most of it is never needed otherwise).
  const [{ TpmKeyProvider }, { IDENTITY_TEMPLATE_NAME }] = await Promise.all([import('./tpm/tpm-provider.js'), import('./tpm/template.js')]);
  const expectedSpki = recorded ? Buffer.from(recorded.publicKey, 'base64') : undefined;
  const provider = new TpmKeyProvider({ tcti: tcti ?? `device:${DEFAULT_TPM_DEVICE}`, ...(expectedSpki ? { expectedSpki } : {}) });
  // First run: the TPM derives the key now (that is the one key generation); later runs defer
  // every TPM access to the first signature, which checks the key against the recorded SPKI.
  if (!recorded) await provider.derive();
  return { provider, generated: !recorded, tpm: { tcti: provider.tctiString, template: IDENTITY_TEMPLATE_NAME } };
}

async function loadCertificate(dir: string, spki: Buffer): Promise<Buffer | undefined> {
  try {
    const der = await readFile(join(dir, CERT_NAME));
    const cert = new X509Certificate(der);
    return cert.publicKey.export({ type: 'spki', format: 'der' }).equals(spki) ? der : undefined;
  } catch {
    return undefined;
  }
}

export async function openIdentity(opts: OpenIdentityOptions): Promise<AgentIdentity> {
  const dir = opts.stateDir;
  await ensureStateDir(dir);
  const state = await readState(dir);
  const recorded = state.identity;
  const { kind, tcti } = await chooseKind(opts, recorded);
  const { provider, generated, tpm } = await openProvider(dir, kind, tcti, recorded);
  try {
    const spki = await provider.publicKeySpkiDer();
    const deviceId = deviceIdOf(spki);
    if (recorded && (recorded.deviceId !== deviceId || !Buffer.from(recorded.publicKey, 'base64').equals(spki))) {
      throw new IdentityKeyMismatchError(`the key in ${dir} does not match the recorded device id; run \`meshwork-agent reset-identity\``);
    }
    let certificateDer = await loadCertificate(dir, spki);
    const certMade = certificateDer === undefined;
    if (!certificateDer) {
      certificateDer = await createSelfSignedCertificate({ spki, sign: (tbs) => provider.sign(tbs) });
      await writeFileAtomic(join(dir, CERT_NAME), certificateDer);
    }
    const identity: IdentityState = {
      keyProvider: kind,
      deviceId,
      publicKey: spki.toString('base64'),
      ...(tpm ? { tpm: tpm.tcti, tpmTemplate: tpm.template } : {}),
      keyGenerations: (recorded?.keyGenerations ?? 0) + (generated ? 1 : 0),
      certGenerations: (recorded?.certGenerations ?? 0) + (certMade ? 1 : 0),
      createdAt: recorded?.createdAt ?? new Date().toISOString(),
    };
    if (JSON.stringify(identity) !== JSON.stringify(recorded)) await writeState(dir, { ...state, identity });
    const cert = certificateDer;
    return {
      deviceId,
      provider,
      publicKeySpkiDer: spki,
      certificateDer: cert,
      status: () => toStatus(identity),
      close: () => provider.close(),
    };
  } catch (e) {
    await provider.close();
    throw e;
  }
}

/** The recorded identity, read without touching any key (for `meshwork-agent status`). */
export async function readIdentityStatus(stateDir: string): Promise<IdentityStatus | undefined> {
  const { identity } = await readState(stateDir);
  return identity && toStatus(identity);
}

export interface ResetResult {
  removed: string[];
  previous?: { deviceId: string; keyProvider: KeyProviderKind };
  /**
   * False for a TPM identity: the key is re-derived from the TPM's owner seed, so the next run comes
   * back with the same device id. Only clearing the TPM (TPM2_Clear) retires it.
   */
  deviceIdWillChange: boolean;
}

/** Deletes the identity: key file, certificate, and the identity section of state.json. */
export async function resetIdentity(stateDir: string): Promise<ResetResult> {
  const state = await readState(stateDir);
  const removed: string[] = [];
  for (const name of [FILE_KEY_NAME, CERT_NAME]) {
    try {
      await unlink(join(stateDir, name));
      removed.push(name);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  const previous = state.identity;
  if (previous) {
    const { identity: _dropped, ...rest } = state;
    await writeState(stateDir, rest);
  }
  return {
    removed,
    ...(previous ? { previous: { deviceId: previous.deviceId, keyProvider: previous.keyProvider } } : {}),
    deviceIdWillChange: previous?.keyProvider === 'file',
  };
}
