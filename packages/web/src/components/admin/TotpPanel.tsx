/**
 * Account: two-factor authentication with an authenticator app (TOTP). Enrolment shows a QR code
 * and the secret, confirms one code, then shows the backup codes once. Turning it off needs the password.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { useMutation } from '@tanstack/react-query';
import { toDataURL } from 'qrcode';
import { api } from '../../lib/api.js';
import { problemText } from '../../lib/admin-errors.js';
import { useSession } from '../../lib/session.js';
import { Button, Field, Notice } from '../ui.js';
import { BackupCodes } from './BackupCodes.js';
import { Section } from './Section.js';

export function TotpPanel({ locked }: { locked: boolean }) {
  const { session, refresh } = useSession();
  const enabled = !!session?.user.totpEnabled;
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const [qr, setQr] = useState<string | null>(null);
  const [backupCodes, setBackupCodes] = useState<string[] | null>(null);

  const begin = useMutation({ mutationFn: () => api.account.totpBegin(), onSuccess: () => setBackupCodes(null) });
  const confirm = useMutation({
    mutationFn: () => api.account.totpEnable({ code: code.replace(/\s+/g, '') }),
    onSuccess: (r) => {
      setBackupCodes(r.backupCodes);
      setCode('');
      begin.reset();
      void refresh();
    },
  });
  const disable = useMutation({
    mutationFn: () => api.account.totpDisable({ password }),
    onSuccess: () => {
      setPassword('');
      setBackupCodes(null);
      void refresh();
    },
  });

  const pending = begin.data;
  useEffect(() => {
    setQr(null);
    if (!pending) return;
    let live = true;
    toDataURL(pending.otpauthUrl, { margin: 2, width: 220 }).then((u) => live && setQr(u), () => live && setQr(null));
    return () => { live = false; };
  }, [pending]);

  function submitCode(e: FormEvent) {
    e.preventDefault();
    if (/^\d{6}$/.test(code.replace(/\s+/g, ''))) confirm.mutate();
  }

  return (
    <Section title="Two-factor authentication">
      {backupCodes && <BackupCodes codes={backupCodes} user={session?.user.name ?? ''} />}
      {enabled && !backupCodes && <p>On: logging in asks for a code from your authenticator app (or a backup code).</p>}
      {!enabled && !pending && <p>Off. Add a second step to logging in with an authenticator app on your phone.</p>}
      {!enabled && !pending && (
        <Button variant="primary" onClick={() => begin.mutate()} disabled={locked || begin.isPending}>Enable two-factor authentication</Button>
      )}
      <Notice>{begin.error ? problemText(begin.error) : null}</Notice>

      {!enabled && pending && (
        <form onSubmit={submitCode} className="totp-enrol">
          <p>1. Scan this QR code with your authenticator app, or type the secret in by hand.</p>
          {qr && <img className="qr" src={qr} alt="QR code for your authenticator app" width={220} height={220} />}
          <p>Secret: <code className="mono wrap" data-testid="totp-secret">{pending.secret}</code></p>
          <p>2. Enter the 6-digit code the app shows.</p>
          <Field label="Code from the app" inputMode="numeric" autoComplete="one-time-code" pattern="\d{6}" maxLength={7} value={code} onChange={(e) => setCode(e.target.value)} />
          <Notice>{confirm.error ? problemText(confirm.error) : null}</Notice>
          <div className="row">
            <Button type="submit" variant="primary" disabled={confirm.isPending || !/^\d{6}$/.test(code.replace(/\s+/g, ''))}>Confirm</Button>
            <Button onClick={() => begin.reset()}>Cancel</Button>
          </div>
        </form>
      )}

      {enabled && (
        <form onSubmit={(e) => { e.preventDefault(); if (password) disable.mutate(); }} className="narrow-form">
          <Field label="Password to turn it off" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} disabled={locked} />
          <Notice>{disable.error ? problemText(disable.error) : null}</Notice>
          <Button type="submit" variant="danger" disabled={locked || !password || disable.isPending}>Disable two-factor authentication</Button>
        </form>
      )}
      {disable.isSuccess && !enabled && <Notice kind="ok">Two-factor authentication is off.</Notice>}
    </Section>
  );
}
