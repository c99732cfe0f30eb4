/** Account: API tokens for scripts and the CLI. The secret is shown once, right after creation. */
import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { ApiToken } from '@meshwork/protocol';
import { api } from '../../lib/api.js';
import { problemText } from '../../lib/admin-errors.js';
import { adminKeys, useApiTokens } from '../../lib/admin-queries.js';
import { Ago, Button, Confirm, Field, Notice } from '../ui.js';
import { SecretOnce } from './SecretOnce.js';
import { Section } from './Section.js';

const EXPIRY = [
  { label: '30 days', days: 30 },
  { label: '90 days', days: 90 },
  { label: '1 year', days: 365 },
  { label: 'Never', days: 0 },
];

export function ApiTokensPanel({ locked, userId }: { locked: boolean; userId: string }) {
  const qc = useQueryClient();
  const list = useApiTokens();
  // Administrators receive everyone's tokens; this panel is about the own account.
  const own = list.data?.filter((t) => t.userId === userId);
  const [name, setName] = useState('');
  const [days, setDays] = useState(90);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);
  const invalidate = () => qc.invalidateQueries({ queryKey: adminKeys.tokens });
  const create = useMutation({
    mutationFn: () => api.tokens.create({ name: name.trim(), ...(days > 0 ? { expiresInDays: days } : {}) }),
    onSuccess: () => {
      setName('');
      void invalidate();
    },
  });
  const revoke = useMutation({ mutationFn: (id: string) => api.tokens.revoke({ id }), onSettled: () => void invalidate() });

  function submit(e: FormEvent) {
    e.preventDefault();
    if (name.trim()) create.mutate();
  }

  return (
    <Section title="API tokens">
      <p className="muted">For scripts and the command-line tool. A token acts with your rights until it expires or is revoked.</p>
      {create.data && <SecretOnce secret={create.data.secret} testId="api-token-secret" />}
      {list.error && <Notice>{problemText(list.error)}</Notice>}
      {own && own.length === 0 && <p>No API tokens.</p>}
      {own && own.length > 0 && (
        <table className="list">
          <thead><tr><th>Name</th><th className="hide-narrow">Created</th><th>Expires</th><th className="hide-narrow">Last used</th><th><span className="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {own.map((t) => (
              <tr key={t.id}>
                <td>{t.name}</td>
                <td className="hide-narrow"><Ago iso={t.createdAt} /></td>
                <td>{t.expiresAt ? new Date(t.expiresAt).toLocaleDateString() : 'never'}</td>
                <td className="hide-narrow"><Ago iso={t.lastUsedAt} /></td>
                <td className="actions"><Button variant="danger" onClick={() => setRevoking(t)} aria-label={`Revoke token ${t.name}`}>Revoke</Button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Notice>{revoke.error ? problemText(revoke.error) : null}</Notice>
      <form onSubmit={submit} className="row inline-form">
        <Field label="Token name" value={name} maxLength={128} placeholder="e.g. backup script" onChange={(e) => setName(e.target.value)} disabled={locked} />
        <label className="field">
          <span className="label">Expires after</span>
          <select value={days} onChange={(e) => setDays(Number(e.target.value))} disabled={locked}>
            {EXPIRY.map((x) => <option key={x.days} value={x.days}>{x.label}</option>)}
          </select>
        </label>
        <Button type="submit" variant="primary" disabled={locked || create.isPending || !name.trim()}>Create token</Button>
      </form>
      <Notice>{create.error ? problemText(create.error) : null}</Notice>
      <Confirm
        open={!!revoking}
        title="Revoke API token"
        message={`Revoke "${revoking?.name ?? ''}"? Scripts using it stop working at once.`}
        confirmLabel="Revoke token"
        onCancel={() => setRevoking(null)}
        onConfirm={() => {
          if (revoking) revoke.mutate(revoking.id);
          setRevoking(null);
        }}
      />
    </Section>
  );
}
