/** Groups: one device group in the list — name (link), description, device count, my rights, rename/delete. */
import { Link } from 'react-router';
import type { DeviceGroup } from '@meshwork/protocol';
import { groupRightsText } from '../../lib/admin-rights.js';
import { groupCan } from '../../lib/rights.js';
import { Button } from '../ui.js';

export function GroupRow({ group, devices, onRename, onDelete }: {
  group: DeviceGroup;
  devices: number | null;
  onRename(): void;
  onDelete(): void;
}) {
  const edit = groupCan(group, 'editGroup');
  return (
    <tr data-testid={`group-row-${group.name}`}>
      <td data-label="Group">
        <Link to={`/groups/${group.id}`}>{group.name}</Link>
        {group.description && <div className="muted small">{group.description}</div>}
      </td>
      <td data-label="Devices">{devices ?? '…'}</td>
      <td data-label="Your rights">{groupRightsText(group.myRights)}</td>
      <td className="actions">
        {edit && <Button onClick={onRename}>Rename</Button>}
        {edit && <Button variant="danger" onClick={onDelete}>Delete</Button>}
      </td>
    </tr>
  );
}
