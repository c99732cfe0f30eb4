/**
 * Users: one row per account — site rights in words, two-factor state, disabled, last login — and
 * the row's actions. Destructive ones ask first; administrators can be changed only by administrators.
 */
import { useState } from 'react';
import type { User } from '@meshwork/protocol';
import { api } from '../../lib/api.js';
import { useAction } from '../../lib/admin-action.js';
import { adminKeys } from '../../lib/admin-queries.js';
import { siteRightsText } from '../../lib/admin-rights.js';
import { useSession } from '../../lib/session.js';
import { Ago, Button, Confirm, Notice } from '../ui.js';
import { RightsDialog, SetPasswordDialog } from './UserDialogs.js';

type Pending = { kind: 'reset' | 'delete'; user: User } | null;

export function UsersTable({ users }: { users: User[] }) {
  const { session } = useSession();
  const me = session?.user;
  const iAmAdmin = !!me?.siteRights.includes('admin');
  const act = useAction([adminKeys.users]);
  const [confirm, setConfirm] = useState<Pending>(null);
  const [passwordFor, setPasswordFor] = useState<User | null>(null);
  const [rightsFor, setRightsFor] = useState<User | null>(null);

  return (
    <>
      {act.message && <Notice kind={act.message.kind}>{act.message.text}</Notice>}
      <table className="list stack" data-testid="users-table">
        <thead>
          <tr><th>User</th><th>Site rights</th><th>Two-factor</th><th>Status</th><th>Last login</th><th><span className="sr-only">Actions</span></th></tr>
        </thead>
        <tbody>
          {users.map((u) => {
            const self = u.id === me?.id;
            const mayChange = iAmAdmin || !u.siteRights.includes('admin');
            return (
              <tr key={u.id} data-testid={`user-row-${u.name}`}>
                <td data-label="User"><strong>{u.name}</strong>{self && <span className="muted"> (you)</span>}</td>
                <td data-label="Site rights">{siteRightsText(u.siteRights)}</td>
                <td data-label="Two-factor">{u.totpEnabled ? <span className="badge badge-on">on</span> : <span className="badge badge-off">off</span>}</td>
                <td data-label="Status">{u.disabled ? <span className="badge badge-warn">disabled</span> : 'active'}</td>
                <td data-label="Last login"><Ago iso={u.lastLoginAt} /></td>
                <td className="actions">
                  {mayChange && !self && (
                    <Button onClick={() => act.run(() => api.users.update({ id: u.id, disabled: !u.disabled }), `${u.name} is ${u.disabled ? 'enabled' : 'disabled'}.`)} disabled={act.busy}>
                      {u.disabled ? 'Enable' : 'Disable'}
                    </Button>
                  )}
                  {mayChange && u.totpEnabled && <Button onClick={() => setConfirm({ kind: 'reset', user: u })}>Reset two-factor</Button>}
                  {mayChange && <Button onClick={() => setPasswordFor(u)}>Set password</Button>}
                  {mayChange && <Button onClick={() => setRightsFor(u)}>Rights</Button>}
                  {mayChange && !self && <Button variant="danger" onClick={() => setConfirm({ kind: 'delete', user: u })}>Delete</Button>}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>

      <Confirm
        open={confirm?.kind === 'reset'}
        title="Reset two-factor authentication"
        message={`Turn off two-factor authentication for ${confirm?.user.name ?? ''} and delete their backup codes? They will log in with the password alone until they enable it again.`}
        confirmLabel="Reset two-factor"
        onCancel={() => setConfirm(null)}
        onConfirm={() => {
          const u = confirm!.user;
          setConfirm(null);
          act.run(() => api.users.update({ id: u.id, resetTotp: true }), `Two-factor authentication of ${u.name} is reset.`);
        }}
      />
      <Confirm
        open={confirm?.kind === 'delete'}
        title="Delete user"
        message={`Delete the user ${confirm?.user.name ?? ''}? They can no longer log in. This cannot be undone.`}
        confirmLabel="Delete user"
        onCancel={() => setConfirm(null)}
        onConfirm={() => {
          const u = confirm!.user;
          setConfirm(null);
          act.run(() => api.users.delete({ id: u.id }), `User ${u.name} deleted.`);
        }}
      />
      <SetPasswordDialog
        user={passwordFor}
        onClose={() => setPasswordFor(null)}
        onSubmit={(password) => {
          const u = passwordFor!;
          setPasswordFor(null);
          act.run(() => api.users.setPassword({ id: u.id, password }), `Password of ${u.name} set.`);
        }}
      />
      <RightsDialog
        user={rightsFor}
        onClose={() => setRightsFor(null)}
        onSubmit={(siteRights) => {
          const u = rightsFor!;
          setRightsFor(null);
          act.run(() => api.users.update({ id: u.id, siteRights }), `Site rights of ${u.name} saved.`);
        }}
      />
    </>
  );
}
