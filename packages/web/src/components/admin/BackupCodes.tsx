/** The backup codes, shown once right after two-factor authentication is turned on. */
import { useDownloadUrl } from '../../lib/admin-download.js';
import { CopyButton } from './CopyButton.js';

export function BackupCodes({ codes, user }: { codes: string[]; user: string }) {
  const text = `Meshwork backup codes for ${user} (${window.location.host})\nEach code works once, instead of the authenticator app.\n\n${codes.join('\n')}\n`;
  const url = useDownloadUrl(text, 'text/plain');
  return (
    <div className="notice notice-ok" role="status">
      <p><strong>Two-factor authentication is on.</strong> Keep these backup codes somewhere safe: each works once if you lose your phone. They are shown only now.</p>
      <ul className="backup-codes mono" data-testid="backup-codes">
        {codes.map((c) => <li key={c}>{c}</li>)}
      </ul>
      <div className="row">
        {url && <a className="btn" href={url} download="meshwork-backup-codes.txt">Download codes</a>}
        <CopyButton text={codes.join('\n')} label="Copy codes" />
      </div>
    </div>
  );
}
