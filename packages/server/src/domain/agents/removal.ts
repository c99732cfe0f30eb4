/**
 * Removing devices, and what that does to their agents.
 *
 * Removing one device (an administrator's act) deletes it and records a revocation in one
 * transaction (store.revokeDevice): its agent, presenting the same key, is refused `revoked` until
 * an administrator lifts the revocation. Deleting a device group deletes its devices without
 * revocations (their agents hold no secret that enrols them anywhere).
 *
 * Either way the live connection goes at once, on whichever worker holds it: a message on
 * DEVICE_GONE_CHANNEL, which every agent endpoint subscribes to (ws/agent/endpoint.ts).
 */
import type { DeviceRecord } from '@meshwork/store';
import { DEVICES_CHANNEL, type DeviceBusMessage } from '../../bus/channels.js';
import type { Principal, System } from '../../system.js';
import { EVENT_TYPES } from '../events/types.js';

/** Bus channel: a device was removed; connections of it must end. */
export const DEVICE_GONE_CHANNEL = 'deviceGone';

export interface DeviceGone {
  type: 'gone';
  deviceId: string;
  /** True when a revocation was recorded (the agent is told `revoked`, else `not_enrolled`). */
  revoked: boolean;
}

export function isDeviceGone(m: unknown): m is DeviceGone {
  if (typeof m !== 'object' || m === null) return false;
  const o = m as Record<string, unknown>;
  return o.type === 'gone' && typeof o.deviceId === 'string' && typeof o.revoked === 'boolean';
}

export async function publishDeviceGone(sys: Pick<System, 'bus'>, deviceId: string, revoked: boolean): Promise<void> {
  const m: DeviceGone = { type: 'gone', deviceId, revoked };
  await sys.bus.publish(DEVICE_GONE_CHANNEL, m);
}

/** The principal's user id when it exists in the store (the local CLI administrator may not). */
const storedActor = (p: Principal): string | null => (p.via === 'local' ? null : p.user.id);

/** Removes and revokes a device; false when it was already gone. */
export async function removeDevice(sys: System, p: Principal, d: DeviceRecord): Promise<boolean> {
  const removed = await sys.store.revokeDevice({ deviceId: d.id, name: d.name, groupId: d.groupId, revokedAt: sys.now(), revokedBy: storedActor(p) });
  if (!removed) return false;
  await publishDeviceGone(sys, d.id, true);
  const m: DeviceBusMessage = { type: 'deviceRemoved', deviceId: d.id, groupId: d.groupId };
  await sys.bus.publish(DEVICES_CHANNEL, m);
  await sys.events.emit({
    type: EVENT_TYPES.deviceDeleted, message: `Removed device ${d.name}; it cannot enrol again until an administrator allows it`,
    actorId: p.user.id, deviceId: d.id, groupId: d.groupId, data: { revoked: true },
  });
  return true;
}

/** Lets a removed device enrol again (with an install file); false when it was not revoked. */
export async function liftRevocation(sys: System, p: Principal, deviceId: string): Promise<boolean> {
  const r = await sys.store.getDeviceRevocation(deviceId);
  if (!r || !(await sys.store.deleteDeviceRevocation(deviceId))) return false;
  await sys.events.emit({
    type: EVENT_TYPES.deviceRevocationLifted, message: `Allowed removed device ${r.name} to enrol again`,
    actorId: p.user.id, deviceId, groupId: r.groupId, data: {},
  });
  return true;
}
