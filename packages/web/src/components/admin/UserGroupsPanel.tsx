/** Users › user groups: grant device-group rights to many users at once (site right manageUserGroups). */
import { useState, type FormEvent } from 'react';
import type { User } from '@meshwork/protocol';
import { api } from '../../lib/api.js';
import { useAction } from '../../lib/admin-action.js';
import { adminKeys, useUserGroups } from '../../lib/admin-queries.js';
import { problemText } from '../../lib/admin-errors.js';
import { Button, Field, Notice } from '../ui.js';
import { Section } from './Section.js';
import { UserGroupCard } from './UserGroupCard.js';

export function UserGroupsPanel({ users }: { users: User[] }) {
  const list = useUserGroups();
  const act = useAction([adminKeys.userGroups]);
  const [name, setName] = useState('');

  function create(e: FormEvent) {
    e.preventDefault();
    if (!name.trim()) return;
    act.run(() => api.userGroups.create({ name: name.trim() }), `User group ${name.trim()} created.`);
    setName('');
  }

  return (
    <Section title="User groups" testId="user-groups">
      <p className="muted">Give device-group rights to a user group, and every member gets them.</p>
      {list.error && <Notice>{problemText(list.error)}</Notice>}
      {list.data?.length === 0 && <p>No user groups yet.</p>}
      <div className="user-groups">
        {list.data?.map((g) => <UserGroupCard key={g.id} group={g} users={users} />)}
      </div>
      <form onSubmit={create} className="row inline-form">
        <Field label="New user group name" value={name} maxLength={128} onChange={(e) => setName(e.target.value)} />
        <Button type="submit" variant="primary" disabled={!name.trim() || act.busy}>Add user group</Button>
      </form>
      {act.message && <Notice kind={act.message.kind}>{act.message.text}</Notice>}
    </Section>
  );
}
