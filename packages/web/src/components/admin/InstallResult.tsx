/**
 * Group › add a device: first the one-line install (from the server: it downloads the agent pinned
 * to this server's certificate key and the package SHA-256, installs it as a service and prints the
 * device id), then the install file just made, as a download and as one shell command that writes
 * the file (umask 077), stores it in the agent's state dir, deletes it and starts an agent already on
 * the device (the ServerID is inside: nothing to copy by hand).
 */
import type { InstallCommand, InstallFile } from '@meshwork/protocol';
import { AGENT_STATE_DIR, INSTALL_FILE_NAME, installCommand, installJson } from '../../lib/admin-install.js';
import { useDownloadUrl } from '../../lib/admin-download.js';
import { CopyButton } from './CopyButton.js';

const PLATFORM_NAMES: Record<string, string> = { 'linux-x64': 'x86-64', 'linux-arm64': 'ARM64', 'linux-armv7l': 'ARMv7 (32-bit)' };

function OneLiner({ c }: { c: InstallCommand }) {
  const platforms = c.platforms.map((p) => `${PLATFORM_NAMES[p.platform] ?? p.platform} ${p.version}`).join(', ');
  return (
    <div data-testid="install-one-liner-block">
      <p><strong>Install as a service:</strong> paste this into a root shell on the device (Linux: {platforms}).</p>
      <pre className="mono wrap install-command" data-testid="install-one-liner">{c.command}</pre>
      <CopyButton text={c.command} />
      <p className="muted">
        It downloads the agent from this server and refuses any other server (certificate key {c.serverPin}) or any other file
        (SHA-256 pinned), installs it under /usr/local/lib/meshwork-agent with a systemd unit, and prints the device id.
        Running it again is harmless. Its download links work until {new Date(c.expiresAt).toLocaleString()}.
      </p>
    </div>
  );
}

export function InstallResult({ file, oneLiner, oneLinerProblem }: { file: InstallFile; oneLiner?: InstallCommand | null; oneLinerProblem?: string }) {
  const url = useDownloadUrl(installJson(file));
  const command = installCommand(file);
  return (
    <div className="install-result" data-testid="install-result">
      {file.enrolmentToken
        ? <p>This holds a new enrolment token. It is shown only now; keep it private.</p>
        : <p>This holds the group enrolment key: anyone holding it can add devices to this group until the key is rotated. Keep it private.</p>}
      {oneLiner
        ? <OneLiner c={oneLiner} />
        : <p className="muted" data-testid="install-one-liner-missing">
            {oneLinerProblem ?? <>This server has no agent executables to hand out (build them with <code>npm run build:agents</code> and restart it).</>}
            {' '}Use the install file with an agent already on the device.
          </p>}
      <p>Or, with the agent already on the device:</p>
      <p>
        {url && <a className="btn btn-primary" href={url} download={INSTALL_FILE_NAME}>Download install file</a>}
        {' '}<span className="muted">then run <code>meshwork-agent store-install --state {AGENT_STATE_DIR} --install {INSTALL_FILE_NAME}</code> on the device, delete the file, and run <code>meshwork-agent run --state {AGENT_STATE_DIR}</code>.</span>
      </p>
      <p>Or paste this into a root shell on the device (Linux):</p>
      <pre className="mono wrap install-command" data-testid="install-command">{command}</pre>
      <CopyButton text={command} />
      <details>
        <summary>What is in the file</summary>
        <p className="muted">Server addresses: {file.serverUrls.join(', ') || 'none recorded — start the server with --public-url'}.</p>
        <p className="muted mono wrap">ServerID: {file.serverId}</p>
      </details>
    </div>
  );
}
