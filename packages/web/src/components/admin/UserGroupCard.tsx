/** Users › user groups: one group — rename, delete, and its members (add and remove). */
import { useState, type FormEvent } from 'react';
import type { User, UserGroup } from '@meshwork/protocol';
import { api } from '../../lib/api.js';
import { useAction } from '../../lib/admin-action.js';
import { adminKeys } from '../../lib/admin-queries.js';
import { Button, Confirm, Dialog, Field, Notice } from '../ui.js';

export function UserGroupCard({ group, users }: { group: UserGroup; users: User[] }) {
  const act = useAction([adminKeys.userGroups]);
  const [adding, setAdding] = useState('');
  const [renaming, setRenaming] = useState(false);
  const [name, setName] = useState(group.name);
  const [deleting, setDeleting] = useState(false);
  const byId = new Map(users.map((u) => [u.id, u]));
  const outside = users.filter((u) => !group.memberIds.includes(u.id));

  function rename(e: FormEvent) {
    e.preventDefault();
    setRenaming(false);
    if (name.trim() && name.trim() !== group.name) act.run(() => api.userGroups.update({ id: group.id, name: name.trim() }), 'Renamed.');
  }

  return (
    <article className="user-group" aria-label={`User group ${group.name}`}>
      <div className="row">
        <h3 className="grow">{group.name}</h3>
        <Button onClick={() => { setName(group.name); setRenaming(true); }}>Rename</Button>
        <Button variant="danger" onClick={() => setDeleting(true)}>Delete</Button>
      </div>
      {group.description && <p className="muted">{group.description}</p>}
      {act.message && <Notice kind={act.message.kind}>{act.message.text}</Notice>}
      {group.memberIds.length === 0 ? <p className="muted">No members.</p> : (
        <ul className="members">
          {group.memberIds.map((id) => (
            <li key={id} className="row">
              <span className="grow">{byId.get(id)?.name ?? id}</span>
              <Button variant="quiet" onClick={() => act.run(() => api.userGroups.removeMember({ id: group.id, userId: id }))} disabled={act.busy}
                aria-label={`Remove ${byId.get(id)?.name ?? id} from ${group.name}`}>Remove</Button>
            </li>
          ))}
        </ul>
      )}
      {outside.length > 0 && (
        <form className="row" onSubmit={(e) => { e.preventDefault(); if (adding) act.run(() => api.userGroups.addMember({ id: group.id, userId: adding })); setAdding(''); }}>
          <label className="field">
            <span className="label">Add member</span>
            <select value={adding} onChange={(e) => setAdding(e.target.value)}>
              <option value="">Choose a user…</option>
              {outside.map((u) => <option key={u.id} value={u.id}>{u.name}</option>)}
            </select>
          </label>
          <Button type="submit" disabled={!adding || act.busy}>Add</Button>
        </form>
      )}
      <Dialog open={renaming} title={`Rename ${group.name}`} onClose={() => setRenaming(false)}>
        <form onSubmit={rename}>
          <Field label="User group name" value={name} maxLength={128} onChange={(e) => setName(e.target.value)} autoFocus />
          <div className="row end">
            <Button onClick={() => setRenaming(false)}>Cancel</Button>
            <Button type="submit" variant="primary" disabled={!name.trim()}>Rename</Button>
          </div>
        </form>
      </Dialog>
      <Confirm
        open={deleting}
        title="Delete user group"
        message={`Delete the user group ${group.name}? Its members lose the device-group rights they had through it. The users themselves stay.`}
        confirmLabel="Delete user group"
        onCancel={() => setDeleting(false)}
        onConfirm={() => { setDeleting(false); act.run(() => api.userGroups.delete({ id: group.id })); }}
      />
    </article>
  );
}
