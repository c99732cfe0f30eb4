/** Group › add a device: the group's enrolment tokens (created, expiry, uses) with revoke. */
import { useState } from 'react';
import type { EnrolmentToken } from '@meshwork/protocol';
import { api } from '../../lib/api.js';
import { useAction } from '../../lib/admin-action.js';
import { problemText } from '../../lib/admin-errors.js';
import { adminKeys, useEnrolmentTokens } from '../../lib/admin-queries.js';
import { Ago, Button, Confirm, Notice } from '../ui.js';

function expiryText(t: EnrolmentToken): string {
  if (!t.expiresAt) return 'never';
  const at = Date.parse(t.expiresAt);
  return `${at < Date.now() ? 'expired ' : ''}${new Date(at).toLocaleString()}`;
}

export function EnrolmentTokensTable({ groupId }: { groupId: string }) {
  const list = useEnrolmentTokens(groupId);
  const act = useAction([adminKeys.enrolmentTokens(groupId)]);
  const [revoking, setRevoking] = useState<EnrolmentToken | null>(null);
  if (list.error) return <Notice>{problemText(list.error)}</Notice>;
  if (!list.data) return null;
  return (
    <div data-testid="enrolment-tokens">
      <h3>Enrolment tokens</h3>
      {act.message && <Notice kind={act.message.kind}>{act.message.text}</Notice>}
      {list.data.length === 0 ? <p className="muted">No enrolment tokens.</p> : (
        <table className="list stack">
          <thead><tr><th>Created</th><th>Expires</th><th>Uses</th><th><span className="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {list.data.map((t) => (
              <tr key={t.id}>
                <td data-label="Created"><Ago iso={t.createdAt} /></td>
                <td data-label="Expires">{expiryText(t)}</td>
                <td data-label="Uses">{t.maxUses === null ? `${t.uses} (no limit)` : `${t.uses} of ${t.maxUses}`}</td>
                <td className="actions"><Button variant="danger" onClick={() => setRevoking(t)}>Revoke</Button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Confirm
        open={!!revoking}
        title="Revoke enrolment token"
        message="Revoke this token? Install files holding it can no longer add new devices. Devices already added stay."
        confirmLabel="Revoke token"
        onCancel={() => setRevoking(null)}
        onConfirm={() => {
          const t = revoking!;
          setRevoking(null);
          act.run(() => api.groups.revokeEnrolmentToken({ id: groupId, tokenId: t.id }), 'Token revoked.');
        }}
      />
    </div>
  );
}
