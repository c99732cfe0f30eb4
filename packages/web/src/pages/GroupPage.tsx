/** One device group: who has which rights, and how to add devices. Actions follow the caller's rights. */
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api } from '../lib/api.js';
import { useAction } from '../lib/admin-action.js';
import { problemText } from '../lib/admin-errors.js';
import { groupRightsText } from '../lib/admin-rights.js';
import { keys, useDevices, useGroups } from '../lib/queries.js';
import { groupCan } from '../lib/rights.js';
import { useSession } from '../lib/session.js';
import { Button, Confirm, Notice, Spinner } from '../components/ui.js';
import { GroupEditDialog } from '../components/admin/GroupEditDialog.js';
import { GroupRightsPanel } from '../components/admin/GroupRightsPanel.js';
import { InstallPanel } from '../components/admin/InstallPanel.js';
import { AgentUpdatesPanel } from '../components/admin/AgentUpdatesPanel.js';

export function GroupPage() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const { session } = useSession();
  const groups = useGroups();
  const devices = useDevices();
  const act = useAction([keys.groups, keys.devices]);
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);

  if (groups.isPending) return <Spinner />;
  if (groups.error) return <Notice>{problemText(groups.error)}</Notice>;
  const group = groups.data.find((g) => g.id === id);
  if (!group) {
    return (
      <div className="admin-page">
        <Notice>This device group does not exist, or you have no rights on it.</Notice>
        <Link to="/groups">All device groups</Link>
      </div>
    );
  }
  const count = devices.data?.filter((d) => d.groupId === group.id).length;
  const siteRights = session?.user.siteRights ?? [];
  const mayEnrol = groupCan(group, 'manageDevices') && (siteRights.includes('admin') || !siteRights.includes('noNewDevices'));
  const mayEdit = groupCan(group, 'editGroup');

  return (
    <div className="admin-page">
      <p><Link to="/groups">← Device groups</Link></p>
      <div className="row">
        <h1 className="grow">{group.name}</h1>
        {mayEdit && <Button onClick={() => setEditing(true)}>Rename</Button>}
        {mayEdit && <Button variant="danger" onClick={() => setDeleting(true)}>Delete</Button>}
      </div>
      {group.description && <p>{group.description}</p>}
      <p className="muted">
        {count === undefined ? 'Counting devices…' : `${count} device${count === 1 ? '' : 's'}`} · Your rights: {groupRightsText(group.myRights)}
      </p>
      {act.message && <Notice kind={act.message.kind}>{act.message.text}</Notice>}
      {mayEnrol && <InstallPanel group={group} />}
      <GroupRightsPanel group={group} />
      <AgentUpdatesPanel group={group} />
      <GroupEditDialog
        group={editing ? group : null}
        onClose={() => setEditing(false)}
        onSubmit={(c) => {
          setEditing(false);
          act.run(() => api.groups.update({ id: group.id, ...c }), 'Saved.');
        }}
      />
      <Confirm
        open={deleting}
        title="Delete device group"
        message={`Delete the device group ${group.name}? Its ${count ?? 0} device(s) will be removed too, and every rights link on the group goes. This cannot be undone.`}
        confirmLabel="Delete group and devices"
        onCancel={() => setDeleting(false)}
        onConfirm={() => {
          setDeleting(false);
          act.runAsync(() => api.groups.delete({ id: group.id })).then(() => navigate('/groups'), () => {});
        }}
      />
    </div>
  );
}
