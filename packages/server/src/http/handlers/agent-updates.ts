/**
 * Handlers: agent self-update. The list shows the devices of the groups where the caller holds
 * `deviceDetails` (the agent version is inventory); a retry needs `manageDevices` on the device's
 * group. A group's policy is set through groups.update (`editGroup`).
 */
import { can } from '@meshwork/protocol';
import { deviceAgentUpdate, listAgentUpdates, retryAgentUpdate } from '../../domain/updates/service.js';
import { must, type AreaHandlers } from '../handler.js';

export const agentUpdatesHandlers: AreaHandlers<'agentUpdates.list' | 'devices.retryAgentUpdate'> = {
  async 'agentUpdates.list'({ sys, principal, query }) {
    const p = must(principal);
    if (query.deviceId !== undefined) {
      const d = await sys.authz.requireDevice(p, query.deviceId, 'deviceDetails');
      if (query.groupId !== undefined && query.groupId !== d.groupId) return [];
      return [await deviceAgentUpdate(sys, d)];
    }
    if (query.groupId !== undefined) await sys.authz.requireGroup(p, query.groupId, 'deviceDetails');
    const visible = query.groupId !== undefined ? [query.groupId] : await sys.authz.visibleGroupIds(p);
    if (visible !== undefined && visible.length === 0) return [];
    const groups = await sys.store.listDeviceGroups(visible);
    const allowed: string[] = [];
    for (const g of groups) if (can(await sys.authz.listedGroupMask(p, g), 'deviceDetails')) allowed.push(g.id);
    const views = await listAgentUpdates(sys, allowed);
    return views.sort((a, b) => a.deviceName.localeCompare(b.deviceName) || a.deviceId.localeCompare(b.deviceId));
  },

  async 'devices.retryAgentUpdate'({ sys, principal, params }) {
    const p = must(principal);
    const device = await sys.authz.requireDevice(p, params.id, 'manageDevices');
    return retryAgentUpdate(sys, device, p.via === 'local' ? undefined : p.user.id);
  },
};
