/**
 * Handlers: devices. Renaming, tagging, moving and deleting need `manageDevices` (moving: on both
 * groups); notes need `notes`. Changes are recorded as events and pushed to browser streams.
 * The lists are in device-lists.ts.
 */
import type { Capability } from '@meshwork/protocol';
import type { DeviceRecord } from '@meshwork/store';
import { DEVICES_CHANNEL, type DeviceBusMessage } from '../../bus/channels.js';
import { notFound } from '../../errors.js';
import { removeDevice } from '../../domain/agents/removal.js';
import { deviceViewOne } from '../../domain/devices/view.js';
import { EVENT_TYPES } from '../../domain/events/types.js';
import type { System } from '../../system.js';
import { must, type AreaHandlers } from '../handler.js';

const publish = (sys: System, m: DeviceBusMessage): Promise<void> => sys.bus.publish(DEVICES_CHANNEL, m);

export const devicesHandlers: AreaHandlers<'devices.get' | 'devices.update' | 'devices.delete'> = {
  async 'devices.get'({ sys, principal, params }) {
    const d = await sys.authz.requireDevice(must(principal), params.id, 'view');
    return deviceViewOne(sys.store, d);
  },

  async 'devices.update'({ sys, principal, params, body }) {
    const p = must(principal);
    const before = await sys.authz.requireDevice(p, params.id, 'view');
    const needs = new Set<Capability>();
    if (body.name !== undefined || body.tags !== undefined || body.groupId !== undefined) needs.add('manageDevices');
    if (body.notes !== undefined) needs.add('notes');
    for (const cap of needs) await sys.authz.requireGroup(p, before.groupId, cap);
    const moving = body.groupId !== undefined && body.groupId !== before.groupId;
    if (moving && body.groupId !== undefined) await sys.authz.requireGroup(p, body.groupId, 'manageDevices');

    const patch: Partial<Omit<DeviceRecord, 'id' | 'createdAt'>> = {};
    if (body.name !== undefined) patch.name = body.name;
    if (body.tags !== undefined) patch.tags = [...new Set(body.tags)];
    if (body.notes !== undefined) patch.notes = body.notes;
    if (moving && body.groupId !== undefined) patch.groupId = body.groupId;
    if (Object.keys(patch).length === 0) return deviceViewOne(sys.store, before);
    if (!(await sys.store.updateDevice(before.id, patch))) throw notFound();
    const after = await sys.store.getDevice(before.id);
    if (!after) throw notFound();

    const view = await deviceViewOne(sys.store, after);
    if (moving) await publish(sys, { type: 'deviceRemoved', deviceId: before.id, groupId: before.groupId });
    await publish(sys, { type: 'device', device: view });
    const changed = Object.keys(patch).filter((k) => k !== 'groupId');
    if (moving) {
      // Two events, one per audience: neither group's viewers learn the other group's id or name.
      await sys.events.emit({
        type: EVENT_TYPES.deviceMoved, message: `Moved device ${after.name} to another device group`, actorId: p.user.id,
        groupId: before.groupId, data: { deviceId: after.id, from: before.groupId },
      });
      await sys.events.emit({
        type: EVENT_TYPES.deviceMoved, message: `Moved device ${after.name} here from another device group`, actorId: p.user.id,
        deviceId: after.id, groupId: after.groupId, data: { to: after.groupId },
      });
    }
    if (changed.length > 0) {
      const what = patch.name !== undefined && patch.name !== before.name ? `Renamed device ${before.name} to ${after.name}` : `Changed ${changed.join(', ')} of device ${after.name}`;
      await sys.events.emit({ type: EVENT_TYPES.deviceUpdated, message: what, actorId: p.user.id, deviceId: after.id, groupId: after.groupId, data: { changed } });
    }
    return view;
  },

  async 'devices.delete'({ sys, principal, params }) {
    const p = must(principal);
    const d = await sys.authz.requireDevice(p, params.id, 'manageDevices');
    if (!(await removeDevice(sys, p, d))) throw notFound();
    return { ok: true as const };
  },
};
