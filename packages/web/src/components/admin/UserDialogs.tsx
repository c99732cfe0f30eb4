/** Users: the dialogs behind a row's buttons — set a password, change site rights. */
import { useState, type FormEvent } from 'react';
import type { SiteRightName, User } from '@meshwork/protocol';
import { Button, Dialog, Field } from '../ui.js';
import { SiteRightsPicker } from './SiteRightsPicker.js';

export function SetPasswordDialog({ user, onSubmit, onClose }: { user: User | null; onSubmit(password: string): void; onClose(): void }) {
  const [password, setPassword] = useState('');
  const error = password && password.length < 8 ? 'At least 8 characters.' : null;
  function submit(e: FormEvent) {
    e.preventDefault();
    if (password.length < 8) return;
    onSubmit(password);
    setPassword('');
  }
  return (
    <Dialog open={!!user} title={`Set the password of ${user?.name ?? ''}`} onClose={() => { setPassword(''); onClose(); }}>
      <form onSubmit={submit}>
        <Field label="New password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} error={error} autoFocus />
        <p className="muted">Tell the user the new password through a safe channel; they can change it on their Account page.</p>
        <div className="row end">
          <Button onClick={() => { setPassword(''); onClose(); }}>Cancel</Button>
          <Button type="submit" variant="primary" disabled={password.length < 8}>Set password</Button>
        </div>
      </form>
    </Dialog>
  );
}

export function RightsDialog({ user, onSubmit, onClose }: { user: User | null; onSubmit(rights: SiteRightName[]): void; onClose(): void }) {
  return (
    <Dialog open={!!user} title={`Site rights of ${user?.name ?? ''}`} onClose={onClose}>
      {user && <RightsForm user={user} onSubmit={onSubmit} onClose={onClose} />}
    </Dialog>
  );
}

function RightsForm({ user, onSubmit, onClose }: { user: User; onSubmit(rights: SiteRightName[]): void; onClose(): void }) {
  const [rights, setRights] = useState<Set<SiteRightName>>(() => new Set(user.siteRights));
  return (
    <form onSubmit={(e) => { e.preventDefault(); onSubmit([...rights]); }}>
      <SiteRightsPicker selected={rights} onChange={setRights} />
      <div className="row end">
        <Button onClick={onClose}>Cancel</Button>
        <Button type="submit" variant="primary">Save rights</Button>
      </div>
    </form>
  );
}
