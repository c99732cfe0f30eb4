/**
 * Log in: user name and password, then (when the account has two-factor authentication) a code
 * from the authenticator app or a backup code. Or a passkey, without a password.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { SessionInfo } from '@meshwork/protocol';
import { api, errorCode } from '../lib/api.js';
import { passkeyProblemText, problemText, sessionProblemText } from '../lib/admin-errors.js';
import { passkeyLogin, secondFactor } from '../lib/admin-auth.js';
import { useSession } from '../lib/session.js';
import { Button, Field, Notice } from '../components/ui.js';
import { AuthCard } from '../components/admin/AuthCard.js';

export function LoginPage() {
  const { setSession, problem } = useSession();
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [needCode, setNeedCode] = useState(false);
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const codeBox = useRef<HTMLDivElement>(null);
  const expired = sessionProblemText(problem);

  useEffect(() => {
    if (needCode) codeBox.current?.querySelector('input')?.focus();
  }, [needCode]);

  function done(s: SessionInfo) {
    setSession(s);
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!name || !password) return setError('Enter your user name and password.');
    if (needCode && !code.trim()) return setError('Enter the code from your authenticator app or a backup code.');
    setBusy(true);
    setError(null);
    try {
      done(await api.auth.login({ name: name.trim().toLowerCase(), password, ...(needCode ? secondFactor(code) : {}) }));
    } catch (err) {
      const c = errorCode(err);
      if (c === 'mfa_required') {
        setNeedCode(true);
        setError(null);
      } else {
        setError(problemText(err));
        if (c === 'bad_mfa_code') setCode('');
        if (c === 'bad_credentials') setNeedCode(false);
      }
    } finally {
      setBusy(false);
    }
  }

  async function passkey() {
    setBusy(true);
    setError(null);
    try {
      done(await passkeyLogin());
    } catch (err) {
      setError(errorCode(err) === 'bad_credentials' ? 'This passkey is not registered on this server.' : passkeyProblemText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <AuthCard title="Log in">
      {expired && <Notice kind="info">{expired}</Notice>}
      <form onSubmit={(e) => void submit(e)} noValidate>
        <Field label="User name" name="username" autoComplete="username webauthn" value={name} onChange={(e) => setName(e.target.value)} readOnly={needCode} required />
        <Field label="Password" type="password" name="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} readOnly={needCode} required />
        {needCode && (
          <div ref={codeBox}>
            <Notice kind="info">This account uses two-factor authentication.</Notice>
            <Field label="Authentication code" name="one-time-code" autoComplete="one-time-code" inputMode="text" value={code} onChange={(e) => setCode(e.target.value)}
              hint="The 6-digit code from your authenticator app, or one of your backup codes." required />
          </div>
        )}
        <Notice>{error}</Notice>
        <div className="row">
          <Button type="submit" variant="primary" disabled={busy}>{needCode ? 'Verify' : 'Log in'}</Button>
          {needCode && <Button onClick={() => { setNeedCode(false); setCode(''); setError(null); }}>Back</Button>}
        </div>
      </form>
      {!needCode && (
        <div className="auth-alt">
          <p className="muted">or</p>
          <Button onClick={() => void passkey()} disabled={busy}>Log in with a passkey</Button>
        </div>
      )}
    </AuthCard>
  );
}
