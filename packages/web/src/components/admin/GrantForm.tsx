/**
 * Group › rights: give a user or a user group rights on this device group. Granting to someone who
 * already has a link replaces their rights with the new choice.
 */
import { useState, type FormEvent } from 'react';
import type { GroupRightName, RightsLink } from '@meshwork/protocol';
import { useUserGroups, useUsers } from '../../lib/admin-queries.js';
import { useSession } from '../../lib/session.js';
import { Button, Notice } from '../ui.js';
import { GroupRightsPicker } from './GroupRightsPicker.js';

export function GrantForm({ initial, busy, onGrant, onCancel }: {
  initial: RightsLink | null;
  busy: boolean;
  onGrant(subjectId: string, rights: (GroupRightName | 'full')[]): void;
  onCancel?: () => void;
}) {
  const { hasSiteRight } = useSession();
  const users = useUsers();
  const userGroups = useUserGroups(hasSiteRight('manageUserGroups'));
  const [subject, setSubject] = useState(initial?.subjectId ?? '');
  const [full, setFull] = useState(initial ? initial.rights.includes('full') : true);
  const [rights, setRights] = useState<Set<GroupRightName>>(
    () => new Set((initial?.rights ?? []).filter((r): r is GroupRightName => r !== 'full')),
  );
  const [formError, setFormError] = useState<string | null>(null);

  function submit(e: FormEvent) {
    e.preventDefault();
    if (!subject) return setFormError('Choose a user or a user group.');
    if (!full && rights.size === 0) return setFormError('Choose at least one right, or Full rights.');
    setFormError(null);
    onGrant(subject, full ? ['full'] : [...rights]);
  }

  return (
    <form onSubmit={submit} className="grant-form" aria-label="Grant rights">
      <label className="field">
        <span className="label">User or user group</span>
        <select value={subject} onChange={(e) => setSubject(e.target.value)} disabled={!!initial}>
          <option value="">Choose…</option>
          {initial && <option value={initial.subjectId}>{initial.subjectName}</option>}
          <optgroup label="Users">
            {users.data?.filter((u) => u.id !== initial?.subjectId).map((u) => <option key={u.id} value={u.id}>{u.name}</option>)}
          </optgroup>
          {userGroups.data && userGroups.data.length > 0 && (
            <optgroup label="User groups">
              {userGroups.data.filter((g) => g.id !== initial?.subjectId).map((g) => <option key={g.id} value={g.id}>{g.name}</option>)}
            </optgroup>
          )}
        </select>
      </label>
      <GroupRightsPicker full={full} onFull={setFull} selected={rights} onChange={setRights} />
      <Notice>{formError}</Notice>
      <div className="row">
        <Button type="submit" variant="primary" disabled={busy}>Grant</Button>
        {onCancel && <Button onClick={onCancel}>Cancel</Button>}
      </div>
    </form>
  );
}
