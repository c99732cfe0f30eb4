/**
 * Account: change the own password (the current one is required), optionally also revoking every
 * API token and removing every passkey — what to do when a credential may have leaked.
 */
import { useState, type FormEvent } from 'react';
import { useMutation } from '@tanstack/react-query';
import { api } from '../../lib/api.js';
import { problemText } from '../../lib/admin-errors.js';
import { Button, Field, Notice } from '../ui.js';
import { Section } from './Section.js';

export function ChangePasswordPanel({ locked }: { locked: boolean }) {
  const [current, setCurrent] = useState('');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [revokeTokens, setRevokeTokens] = useState(false);
  const [removePasskeys, setRemovePasskeys] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const change = useMutation({
    mutationFn: () => api.account.changePassword({ current, password, revokeTokens, removePasskeys }),
    onSuccess: () => {
      setCurrent('');
      setPassword('');
      setRepeat('');
    },
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    setFormError(null);
    if (password.length < 8) return setFormError('The new password needs at least 8 characters.');
    if (password !== repeat) return setFormError('The new passwords do not match.');
    change.mutate();
  }

  return (
    <Section title="Password">
      <form onSubmit={submit} noValidate className="narrow-form">
        <Field label="Current password" type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} disabled={locked} />
        <Field label="New password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} hint="At least 8 characters." disabled={locked} />
        <Field label="Repeat new password" type="password" autoComplete="new-password" value={repeat} onChange={(e) => setRepeat(e.target.value)} disabled={locked} />
        <label className="check"><input type="checkbox" checked={revokeTokens} onChange={(e) => setRevokeTokens(e.target.checked)} disabled={locked} /> Also revoke all my API tokens</label>
        <label className="check"><input type="checkbox" checked={removePasskeys} onChange={(e) => setRemovePasskeys(e.target.checked)} disabled={locked} /> Also remove all my passkeys</label>
        <Notice>{formError ?? (change.error ? problemText(change.error) : null)}</Notice>
        {change.isSuccess && <Notice kind="ok">Password changed.</Notice>}
        <Button type="submit" variant="primary" disabled={locked || change.isPending || !current}>Change password</Button>
      </form>
    </Section>
  );
}
