/**
 * Account: "confirm it's you". Adding API tokens or passkeys and changing two-factor settings need
 * a login in the last 10 minutes (the server answers `reauth_required` otherwise): this logs in
 * again — password, and the code when TOTP is on — which replaces the session with a fresh one.
 */
import { useState, type FormEvent } from 'react';
import { useMutation } from '@tanstack/react-query';
import { api } from '../../lib/api.js';
import { problemText } from '../../lib/admin-errors.js';
import { useSession } from '../../lib/session.js';
import { Button, Field, Notice } from '../ui.js';
import { Section } from './Section.js';

export function ReauthPanel() {
  const { session, setSession } = useSession();
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const name = session?.user.name ?? '';
  const totp = session?.user.totpEnabled ?? false;
  const confirm = useMutation({
    mutationFn: () => api.auth.login({ name, password, ...(totp ? (/^\d{6}$/.test(code) ? { totp: code } : { backupCode: code }) : {}) }),
    onSuccess: (s) => {
      setPassword('');
      setCode('');
      setSession(s);
    },
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    if (password) confirm.mutate();
  }

  return (
    <Section title="Confirm it’s you">
      <p className="muted">New API tokens, passkeys and two-factor changes need a login in the last 10 minutes. If the server asks you to confirm, enter your password here, then try again.</p>
      <form onSubmit={submit} noValidate className="narrow-form" data-testid="reauth-form">
        <Field label="Password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
        {totp && <Field label="Authenticator or backup code" autoComplete="one-time-code" value={code} onChange={(e) => setCode(e.target.value)} />}
        <Notice>{confirm.error ? problemText(confirm.error) : null}</Notice>
        {confirm.isSuccess && <Notice kind="ok">Confirmed for the next 10 minutes.</Notice>}
        <Button type="submit" disabled={confirm.isPending || !password}>Confirm it’s me</Button>
      </form>
    </Section>
  );
}
