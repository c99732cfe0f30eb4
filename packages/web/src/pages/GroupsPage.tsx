/** Device groups: the list with device counts and the caller's rights; create, rename, delete. */
import { useMemo, useState, type FormEvent } from 'react';
import type { DeviceGroup } from '@meshwork/protocol';
import { api } from '../lib/api.js';
import { useAction } from '../lib/admin-action.js';
import { problemText } from '../lib/admin-errors.js';
import { keys, useDevices, useGroups } from '../lib/queries.js';
import { useSession } from '../lib/session.js';
import { Button, Confirm, Field, Notice, Spinner } from '../components/ui.js';
import { GroupEditDialog } from '../components/admin/GroupEditDialog.js';
import { GroupRow } from '../components/admin/GroupRow.js';
import { RevokedDevicesPanel } from '../components/admin/RevokedDevicesPanel.js';
import { Section } from '../components/admin/Section.js';

export function GroupsPage() {
  const { session } = useSession();
  const groups = useGroups();
  const devices = useDevices();
  const act = useAction([keys.groups, keys.devices]);
  const [name, setName] = useState('');
  const [editing, setEditing] = useState<DeviceGroup | null>(null);
  const [deleting, setDeleting] = useState<DeviceGroup | null>(null);
  const rights = session?.user.siteRights ?? [];
  const mayCreate = rights.includes('admin') || !rights.includes('noNewGroups');

  const counts = useMemo(() => {
    if (!devices.data) return null;
    const m = new Map<string, number>();
    for (const d of devices.data) m.set(d.groupId, (m.get(d.groupId) ?? 0) + 1);
    return m;
  }, [devices.data]);

  function create(e: FormEvent) {
    e.preventDefault();
    const n = name.trim();
    if (!n) return;
    act.runAsync(() => api.groups.create({ name: n }), `Device group ${n} created.`).then(() => setName(''), () => {});
  }

  return (
    <div className="admin-page">
      <h1>Device groups</h1>
      {act.message && <Notice kind={act.message.kind}>{act.message.text}</Notice>}
      <Section title="Groups">
        {groups.isPending && <Spinner />}
        {groups.error && <Notice>{problemText(groups.error)}</Notice>}
        {groups.data?.length === 0 && <p>No device groups yet. Create one, then add devices to it from its page.</p>}
        {groups.data && groups.data.length > 0 && (
          <table className="list stack" data-testid="groups-table">
            <thead><tr><th>Group</th><th>Devices</th><th>Your rights</th><th><span className="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {groups.data.map((g) => (
                <GroupRow key={g.id} group={g} devices={counts ? (counts.get(g.id) ?? 0) : null} onRename={() => setEditing(g)} onDelete={() => setDeleting(g)} />
              ))}
            </tbody>
          </table>
        )}
      </Section>
      {mayCreate && (
        <Section title="New device group">
          <form onSubmit={create} className="row inline-form">
            <Field label="New group name" value={name} maxLength={128} onChange={(e) => setName(e.target.value)} />
            <Button type="submit" variant="primary" disabled={!name.trim() || act.busy}>Create group</Button>
          </form>
        </Section>
      )}
      {rights.includes('admin') && <RevokedDevicesPanel />}
      <GroupEditDialog
        group={editing}
        onClose={() => setEditing(null)}
        onSubmit={(c) => {
          const g = editing!;
          setEditing(null);
          act.run(() => api.groups.update({ id: g.id, ...c }), `Device group ${c.name} saved.`);
        }}
      />
      <Confirm
        open={!!deleting}
        title="Delete device group"
        message={`Delete the device group ${deleting?.name ?? ''}? Its ${counts?.get(deleting?.id ?? '') ?? 0} device(s) will be removed too, and every rights link on the group goes. This cannot be undone.`}
        confirmLabel="Delete group and devices"
        onCancel={() => setDeleting(null)}
        onConfirm={() => {
          const g = deleting!;
          setDeleting(null);
          act.run(() => api.groups.delete({ id: g.id }), `Device group ${g.name} deleted.`);
        }}
      />
    </div>
  );
}
