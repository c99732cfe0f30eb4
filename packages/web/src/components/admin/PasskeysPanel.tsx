/** Account: passkeys (WebAuthn) — list with name, created, last used; add one; remove with confirmation. */
import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Passkey } from '@meshwork/protocol';
import { api } from '../../lib/api.js';
import { passkeyRegister } from '../../lib/admin-auth.js';
import { passkeyProblemText, problemText } from '../../lib/admin-errors.js';
import { adminKeys, usePasskeys } from '../../lib/admin-queries.js';
import { Ago, Button, Confirm, Field, Notice } from '../ui.js';
import { Section } from './Section.js';

export function PasskeysPanel({ locked }: { locked: boolean }) {
  const qc = useQueryClient();
  const list = usePasskeys();
  const [name, setName] = useState('');
  const [removing, setRemoving] = useState<Passkey | null>(null);
  const invalidate = () => qc.invalidateQueries({ queryKey: adminKeys.passkeys });
  const add = useMutation({
    mutationFn: () => passkeyRegister(name.trim()),
    onSuccess: () => {
      setName('');
      void invalidate();
    },
  });
  const remove = useMutation({ mutationFn: (id: string) => api.account.passkeyDelete({ id }), onSettled: () => void invalidate() });

  function submit(e: FormEvent) {
    e.preventDefault();
    if (name.trim()) add.mutate();
  }

  return (
    <Section title="Passkeys">
      <p className="muted">A passkey logs you in with your device's screen lock or a security key, without a password.</p>
      {list.isPending && <p className="muted">Loading…</p>}
      {list.error && <Notice>{problemText(list.error)}</Notice>}
      {list.data && list.data.length === 0 && <p>No passkeys yet.</p>}
      {list.data && list.data.length > 0 && (
        <table className="list">
          <thead><tr><th>Name</th><th>Created</th><th>Last used</th><th><span className="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {list.data.map((k) => (
              <tr key={k.id}>
                <td>{k.name}</td>
                <td><Ago iso={k.createdAt} /></td>
                <td><Ago iso={k.lastUsedAt} /></td>
                <td className="actions"><Button variant="danger" disabled={locked} onClick={() => setRemoving(k)} aria-label={`Remove passkey ${k.name}`}>Remove</Button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Notice>{remove.error ? problemText(remove.error) : null}</Notice>
      <form onSubmit={submit} className="row inline-form">
        <Field label="Passkey name" value={name} maxLength={64} placeholder="e.g. Work laptop" onChange={(e) => setName(e.target.value)} disabled={locked} />
        <Button type="submit" variant="primary" disabled={locked || add.isPending || !name.trim()}>Add a passkey</Button>
      </form>
      <Notice>{add.error ? passkeyProblemText(add.error) : null}</Notice>
      {add.isSuccess && <Notice kind="ok">Passkey added.</Notice>}
      <Confirm
        open={!!removing}
        title="Remove passkey"
        message={`Remove the passkey "${removing?.name ?? ''}"? It will no longer log you in.`}
        confirmLabel="Remove passkey"
        onCancel={() => setRemoving(null)}
        onConfirm={() => {
          if (removing) remove.mutate(removing.id);
          setRemoving(null);
        }}
      />
    </Section>
  );
}
