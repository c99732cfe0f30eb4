/**
 * First start: the server prints a one-time link /setup#token=…; this page creates the first
 * administrator with it and logs that account in. The token sits in the fragment, so it never
 * reaches a server log or a Referer header.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { api, errorCode } from '../lib/api.js';
import { problemText } from '../lib/admin-errors.js';
import { useSession } from '../lib/session.js';
import { Button, Field, Notice } from '../components/ui.js';
import { AuthCard } from '../components/admin/AuthCard.js';

const NAME_RULE = /^[a-z0-9][a-z0-9._-]*$/;

function tokenFromHash(): string | null {
  const t = new URLSearchParams(window.location.hash.slice(1)).get('token');
  return t && t.length >= 16 ? t : null;
}

export function SetupPage() {
  const { server, setSession, refresh } = useSession();
  const navigate = useNavigate();
  const [token, setToken] = useState(tokenFromHash);
  const [name, setName] = useState('admin');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  useEffect(() => {
    const onHash = () => setToken(tokenFromHash());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  const nameError = name && !NAME_RULE.test(name) ? 'Use lowercase letters, digits, dot, dash or underscore.' : null;
  const passwordError = password && password.length < 8 ? 'At least 8 characters.' : null;
  const repeatError = repeat && repeat !== password ? 'The passwords do not match.' : null;

  if (server && !server.setupRequired && !busy) {
    return (
      <AuthCard title="Already set up">
        <p>This server already has an administrator, so the setup link is no longer needed.</p>
        <p><a href="/">Go to the login page</a></p>
      </AuthCard>
    );
  }
  if (!token) {
    return (
      <AuthCard title="Set up Meshwork">
        <Notice>This page needs the one-time setup link.</Notice>
        <p>When the server starts for the first time it prints a link ending in <code>/setup#token=…</code>. Open that whole link (copy it from the server's console or log).</p>
      </AuthCard>
    );
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (nameError || passwordError || repeatError || !password || password !== repeat) {
      setError(password !== repeat ? 'The passwords do not match.' : 'Check the fields above.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const s = await api.setup.createAdmin({ token: token!, name, password });
      setDone(true);
      window.history.replaceState(null, '', '/');
      setSession(s);
      void refresh(); // the server no longer needs setup
      navigate('/', { replace: true });
    } catch (err) {
      const code = errorCode(err);
      setError(code === 'validation_failed' ? `The server refused the form: ${problemText(err)}` : problemText(err));
      setBusy(false);
    }
  }

  return (
    <AuthCard title="Set up Meshwork">
      <p>Create the administrator account. It can do everything, including creating other users.</p>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <Field label="User name" name="username" autoComplete="username" value={name} onChange={(e) => setName(e.target.value.toLowerCase())} error={nameError} required />
        <Field label="Password" type="password" name="new-password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} hint="At least 8 characters." error={passwordError} required />
        <Field label="Repeat password" type="password" autoComplete="new-password" value={repeat} onChange={(e) => setRepeat(e.target.value)} error={repeatError} required />
        <Notice>{error}</Notice>
        {done && <Notice kind="ok">Administrator created.</Notice>}
        <Button type="submit" variant="primary" disabled={busy}>{busy ? 'Creating…' : 'Create administrator'}</Button>
      </form>
    </AuthCard>
  );
}
