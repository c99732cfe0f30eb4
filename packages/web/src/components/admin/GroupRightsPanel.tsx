/** Group › rights: who has which rights on this device group (users and user groups); grant and revoke. */
import { useState } from 'react';
import type { DeviceGroup, RightsLink } from '@meshwork/protocol';
import { api } from '../../lib/api.js';
import { useAction } from '../../lib/admin-action.js';
import { groupRightsText } from '../../lib/admin-rights.js';
import { keys } from '../../lib/queries.js';
import { groupCan } from '../../lib/rights.js';
import { useSession } from '../../lib/session.js';
import { Button, Confirm, Notice } from '../ui.js';
import { GrantForm } from './GrantForm.js';
import { Section } from './Section.js';

export function GroupRightsPanel({ group }: { group: DeviceGroup }) {
  const { session } = useSession();
  const manage = groupCan(group, 'manageUsers');
  const act = useAction([keys.groups]);
  const [editing, setEditing] = useState<RightsLink | null>(null);
  const [revoking, setRevoking] = useState<RightsLink | null>(null);
  const [formRound, setFormRound] = useState(0); // a new key empties the grant form after a grant

  return (
    <Section title="Rights" testId="group-rights">
      {act.message && <Notice kind={act.message.kind}>{act.message.text}</Notice>}
      {group.links.length === 0 ? <p>Nobody has rights on this group (site administrators always do).</p> : (
        <table className="list stack">
          <thead><tr><th>Who</th><th>Rights</th><th><span className="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {group.links.map((l) => (
              <tr key={l.subjectId} data-testid={`link-row-${l.subjectName}`}>
                <td data-label="Who">
                  {l.subjectName} <span className="tag">{l.subjectKind === 'user' ? 'user' : 'user group'}</span>
                  {l.subjectId === session?.user.id && <span className="muted"> (you)</span>}
                </td>
                <td data-label="Rights">{groupRightsText(l.rights)}</td>
                <td className="actions">
                  {manage && <Button onClick={() => setEditing(l)}>Change</Button>}
                  {manage && <Button variant="danger" onClick={() => setRevoking(l)}>Revoke</Button>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {manage && (
        <>
          <h3>{editing ? `Change the rights of ${editing.subjectName}` : 'Grant rights'}</h3>
          <GrantForm
            key={editing?.subjectId ?? `new-${formRound}`}
            initial={editing}
            busy={act.busy}
            onCancel={editing ? () => setEditing(null) : undefined}
            onGrant={(subjectId, rights) => {
              setEditing(null);
              act.runAsync(() => api.groups.setRights({ id: group.id, subjectId, rights }), 'Rights saved.').then(() => setFormRound((n) => n + 1), () => {});
            }}
          />
        </>
      )}
      <Confirm
        open={!!revoking}
        title="Revoke rights"
        message={`Revoke every right of ${revoking?.subjectName ?? ''} on ${group.name}?${revoking?.subjectId === session?.user.id ? ' You will lose access to this group yourself.' : ''}`}
        confirmLabel="Revoke"
        onCancel={() => setRevoking(null)}
        onConfirm={() => {
          const l = revoking!;
          setRevoking(null);
          act.run(() => api.groups.removeRights({ id: group.id, subjectId: l.subjectId }), `Rights of ${l.subjectName} revoked.`);
        }}
      />
    </Section>
  );
}
