/**
 * The one-line install command: `sh -c '…'` for a Linux root shell that downloads the agent from
 * this server over a short-lived link, pinned twice — curl refuses any other server key
 * (`--pinnedpubkey`, the SHA-256 of the TLS certificate's public key) and `sha256sum -c` refuses any
 * other file before it is made executable — then writes the group's install file (base64, umask
 * 077, as packages/web/src/lib/admin-install.ts does) and runs `meshwork-agent install`, which
 * installs the service and prints the device id. The temporary directory is removed on every exit.
 *
 * Quoting: the script is one single-quoted word, and nothing the server or a user chose (URLs,
 * group names, tokens) appears in it except as base64 or hex inside double quotes: no value can
 * end a quote or reach the shell as code. A test runs the command with hostile values through
 * `sh -n` and through a real `sh` with a fake curl (install-command.test.ts).
 */
import { createHash, X509Certificate } from 'node:crypto';
import type { AgentPlatform, InstallFile } from '@meshwork/protocol';

export interface PinnedDownload {
  platform: AgentPlatform;
  /** Full https URL of the package's short-lived link. */
  url: string;
  sha256: string;
}

export interface InstallCommandInput {
  file: InstallFile;
  /** One per platform the command handles; with several, the machine (`uname -m`) chooses. */
  downloads: PinnedDownload[];
  /** curl's --pinnedpubkey value, `sha256//<base64>` (serverPinOf). */
  serverPin: string;
}

export const INSTALL_FILE_NAME = 'meshwork-install.json';

/** `uname -m` values of each platform. */
const MACHINES: Record<AgentPlatform, string> = {
  'linux-x64': 'x86_64|amd64',
  'linux-arm64': 'aarch64|arm64',
  'linux-armv7l': 'armv7l|armv8l',
};

/** `sha256//` + base64 SHA-256 of the leaf certificate's SubjectPublicKeyInfo (what curl pins). */
export function serverPinOf(certChainPem: string): string {
  const spki = new X509Certificate(certChainPem).publicKey.export({ type: 'spki', format: 'der' });
  return `sha256//${createHash('sha256').update(spki).digest('base64')}`;
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/** Values allowed inside the script's double quotes: base64, hex, and the pin. */
const SAFE = /^[A-Za-z0-9+/=]*$/;
function safe(v: string): string {
  if (!SAFE.test(v)) throw new Error('install command: a value is not base64 or hex');
  return v;
}

/** The script the command runs (one line; no single quote anywhere). */
export function installScript(input: InstallCommandInput): string {
  if (input.downloads.length === 0) throw new Error('install command: no packages');
  const pin = input.serverPin.replace(/^sha256\/\//, '');
  const fileB64 = b64(`${JSON.stringify(input.file)}\n`);
  const set = (d: PinnedDownload): string => {
    // A shell argument cannot hold a NUL; no URL this server makes holds a control character.
    if (/[\u0000-\u001f\u007f]/.test(d.url)) throw new Error('install command: a URL holds a control character');
    if (!/^[0-9a-f]{64}$/.test(d.sha256)) throw new Error('install command: not a SHA-256');
    return `h="${d.sha256}"; u="${safe(b64(d.url))}"`;
  };
  const choose = input.downloads.length === 1 && input.downloads[0]
    ? `${set(input.downloads[0])};`
    : // A 64-bit kernel under a 32-bit userland (Raspberry Pi OS 32-bit on a Pi 4/5) says aarch64: ask libc.
      'm="$(uname -m)"; if [ "$m" = aarch64 ] && [ "$(getconf LONG_BIT 2>/dev/null)" = 32 ]; then m=armv7l; fi; ' +
      `case "$m" in ${input.downloads.map((d) => `${MACHINES[d.platform]}) ${set(d)};;`).join(' ')} ` +
      `*) echo "meshwork: this server has no agent for machine type $m" >&2; exit 1;; esac;`;
  const parts = [
    'set -eu;',
    '[ "$(id -u)" = 0 ] || { echo "meshwork: run this as root" >&2; exit 1; };',
    'command -v curl >/dev/null || { echo "meshwork: curl is needed (e.g. apt-get install curl)" >&2; exit 1; };',
    choose,
    // Removed on every exit; a signal becomes an exit so that it is removed then too.
    'umask 077; t="$(mktemp -d)"; trap "rm -rf -- \\"\\$t\\"" EXIT; trap "exit 1" INT TERM HUP;',
    `curl -fsS --proto =https --pinnedpubkey "sha256//${safe(pin)}" -k -o "$t/meshwork-agent" "$(printf %s "$u" | base64 -d)"` +
      ' || { echo "meshwork: download refused: not this server (certificate pin), or the link expired" >&2; exit 1; };',
    'printf "%s  %s\\n" "$h" "$t/meshwork-agent" | sha256sum -c - >/dev/null 2>&1 ||' +
      ' { echo "meshwork: the download does not match its pinned SHA-256; nothing installed" >&2; exit 1; };',
    'chmod 700 "$t/meshwork-agent";',
    `printf %s "${safe(fileB64)}" | base64 -d > "$t/${INSTALL_FILE_NAME}";`,
    `"$t/meshwork-agent" install --install "$t/${INSTALL_FILE_NAME}"`,
  ];
  const script = parts.join(' ');
  if (script.includes("'")) throw new Error('install command: the script must not contain a single quote');
  return script;
}

/** The command to paste: the script as one single-quoted argument of `sh -c`. */
export const installCommand = (input: InstallCommandInput): string => `sh -c '${installScript(input)}'`;
