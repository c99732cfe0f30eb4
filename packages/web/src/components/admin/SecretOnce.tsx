/** A secret the server shows only once (API token, backup codes): the text, a copy button, a warning. */
import type { ReactNode } from 'react';
import { CopyButton } from './CopyButton.js';

export function SecretOnce({ secret, testId, children }: { secret: string; testId?: string; children?: ReactNode }) {
  return (
    <div className="secret-once notice notice-info" role="status">
      <p>Copy this now: it will not be shown again.</p>
      <pre className="mono wrap" data-testid={testId}>{secret}</pre>
      <div className="row">
        <CopyButton text={secret} />
        {children}
      </div>
    </div>
  );
}
