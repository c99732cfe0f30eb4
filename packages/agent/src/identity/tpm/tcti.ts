/**
 * TPM connection strings in tpm2-tools' TCTI syntax. Supported:
 *   device[:PATH]                    a TPM character device (default /dev/tpmrm0, the kernel resource manager)
 *   swtpm[:host=HOST,port=PORT]      swtpm's TCP server socket (default localhost:2321), raw TPM commands
 */

export type Tcti =
  | { kind: 'device'; path: string }
  | { kind: 'swtpm'; host: string; port: number };

export const DEFAULT_TPM_DEVICE = '/dev/tpmrm0';

export class TctiError extends Error {
  override name = 'TctiError';
}

export function parseTcti(text: string): Tcti {
  const colon = text.indexOf(':');
  const name = colon < 0 ? text : text.slice(0, colon);
  const conf = colon < 0 ? '' : text.slice(colon + 1);
  if (name === 'device') return { kind: 'device', path: conf || DEFAULT_TPM_DEVICE };
  if (name === 'swtpm') {
    let host = 'localhost';
    let port = 2321;
    for (const part of conf ? conf.split(',') : []) {
      const eq = part.indexOf('=');
      const key = eq < 0 ? part : part.slice(0, eq);
      const value = eq < 0 ? '' : part.slice(eq + 1);
      if (key === 'host' && value) host = value;
      else if (key === 'port' && /^\d{1,5}$/.test(value) && Number(value) > 0 && Number(value) < 65536) port = Number(value);
      else throw new TctiError(`bad swtpm TCTI option '${part}' (expected host=HOST,port=PORT)`);
    }
    return { kind: 'swtpm', host, port };
  }
  throw new TctiError(`unsupported TCTI '${text}': use device:/dev/tpmrm0 or swtpm:host=127.0.0.1,port=2321`);
}

export function formatTcti(t: Tcti): string {
  return t.kind === 'device' ? `device:${t.path}` : `swtpm:host=${t.host},port=${t.port}`;
}
