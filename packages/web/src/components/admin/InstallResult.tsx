/**
 * Group › add a device: the install file just made, as a download and as one shell command that
 * writes the file (umask 077), stores it in the agent's state dir, deletes it and starts the agent
 * (the ServerID is inside: nothing to copy by hand).
 */
import type { InstallFile } from '@meshwork/protocol';
import { AGENT_STATE_DIR, INSTALL_FILE_NAME, installCommand, installJson } from '../../lib/admin-install.js';
import { useDownloadUrl } from '../../lib/admin-download.js';
import { CopyButton } from './CopyButton.js';

export function InstallResult({ file }: { file: InstallFile }) {
  const url = useDownloadUrl(installJson(file));
  const command = installCommand(file);
  return (
    <div className="install-result" data-testid="install-result">
      {file.enrolmentToken
        ? <p>This file holds a new enrolment token. It is shown only now; keep the file private.</p>
        : <p>This file holds the group enrolment key: anyone holding it can add devices to this group until the key is rotated. Keep it private.</p>}
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
