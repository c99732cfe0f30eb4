/**
 * Presence and the connection timeline of agents: what happens in the store, the event log and on
 * the bus when an agent comes online, goes offline or is replaced by a newer connection.
 *
 * The store's presence row is the truth ("which worker holds which device, on which connection";
 * the newest setPresence wins). Every claim is also published on PRESENCE_CHANNEL so that whichever
 * worker holds an older connection of the same device closes it (`refused superseded`).
 */
import type { DeviceRecord } from '@meshwork/store';
import { DEVICES_CHANNEL, type DeviceBusMessage } from '../../bus/channels.js';
import type { System } from '../../system.js';
import { deviceView } from '../devices/view.js';
import { AGENT_EVENT_TYPES } from './events.js';

/** Bus channel: a connection claimed a device (so older connections elsewhere must go). */
export const PRESENCE_CHANNEL = 'presence';

export interface PresenceClaim {
  type: 'claimed';
  deviceId: string;
  workerId: string;
  connectionId: string;
}

export function isPresenceClaim(m: unknown): m is PresenceClaim {
  if (typeof m !== 'object' || m === null) return false;
  const o = m as Record<string, unknown>;
  return o.type === 'claimed' && typeof o.deviceId === 'string' && typeof o.workerId === 'string' && typeof o.connectionId === 'string';
}

/** One agent connection, as presence and the timeline know it. */
export interface AgentConnectionRef {
  deviceId: string;
  connectionId: string;
  remoteAddress: string;
}

/** Pushes the device to browser streams (devices the viewer may see only; see browser-stream.ts). */
export async function publishDevice(sys: System, device: DeviceRecord, online: boolean): Promise<void> {
  const m: DeviceBusMessage = { type: 'device', device: deviceView(device, online) };
  await sys.bus.publish(DEVICES_CHANNEL, m);
}

/** Makes this connection the device's holder (before `welcome`) and tells every worker. */
export async function claimPresence(sys: System, ref: AgentConnectionRef): Promise<void> {
  await sys.store.setPresence({
    deviceId: ref.deviceId,
    workerId: sys.bus.workerId,
    connectionId: ref.connectionId,
    connectedAt: sys.now(),
    remoteAddress: ref.remoteAddress,
  });
  const claim: PresenceClaim = { type: 'claimed', deviceId: ref.deviceId, workerId: sys.bus.workerId, connectionId: ref.connectionId };
  await sys.bus.publish(PRESENCE_CHANNEL, claim);
}

/** Whether this connection still holds the device's presence row. */
export async function holdsPresence(sys: System, ref: Pick<AgentConnectionRef, 'deviceId' | 'connectionId'>): Promise<boolean> {
  return (await sys.store.getPresence(ref.deviceId))?.connectionId === ref.connectionId;
}

/** After `welcome`: lastSeen, timeline `online`, event `device.online`, a live `device` frame. */
export async function recordOnline(sys: System, device: DeviceRecord, ref: AgentConnectionRef): Promise<void> {
  const now = sys.now();
  if (!(await sys.store.updateDevice(device.id, { lastSeen: now }))) return;
  const after = { ...device, lastSeen: now };
  await sys.store.addTimeline({ deviceId: device.id, time: now, state: 'online', detail: `connected from ${ref.remoteAddress}` });
  await sys.events.emit({
    type: AGENT_EVENT_TYPES.deviceOnline,
    message: `Device ${after.name} connected`,
    deviceId: device.id,
    groupId: after.groupId,
    data: { remoteAddress: ref.remoteAddress },
  });
  await publishDevice(sys, after, true);
}

/**
 * On close. Clears the presence row only if this connection still holds it; a superseded
 * connection changes nothing (the device is still online elsewhere) and returns false.
 */
export async function recordOffline(sys: System, ref: AgentConnectionRef, detail: string): Promise<boolean> {
  if (!(await sys.store.clearPresence(ref.deviceId, ref.connectionId))) return false;
  const device = await sys.store.getDevice(ref.deviceId);
  if (!device) return true; // removed while connected: nothing left to record
  const now = sys.now();
  await sys.store.updateDevice(device.id, { lastSeen: now });
  const after = { ...device, lastSeen: now };
  await sys.store.addTimeline({ deviceId: device.id, time: now, state: 'offline', detail });
  await sys.events.emit({
    type: AGENT_EVENT_TYPES.deviceOffline,
    message: `Device ${after.name} disconnected`,
    deviceId: device.id,
    groupId: after.groupId,
    data: { reason: detail },
  });
  await publishDevice(sys, after, false);
  return true;
}

/** The older connection of a device was closed because a newer one claimed it. */
export async function recordSuperseded(sys: System, ref: AgentConnectionRef): Promise<void> {
  const device = await sys.store.getDevice(ref.deviceId);
  if (!device) return;
  await sys.events.emit({
    type: AGENT_EVENT_TYPES.deviceSuperseded,
    message: `A newer connection of device ${device.name} replaced the one from ${ref.remoteAddress}`,
    deviceId: device.id,
    groupId: device.groupId,
    data: { remoteAddress: ref.remoteAddress },
  });
}

/**
 * Server shutdown: the timeline gets `offline` for the devices this worker held (no per-device
 * events: thousands of them would only slow the exit), then this worker's presence rows go.
 * Stops writing timeline rows after `budgetMs` so that a huge fleet cannot hold up the exit.
 */
export async function recordWorkerShutdown(sys: System, deviceIds: readonly string[], budgetMs: number, clock: () => number): Promise<{ timeline: number; skipped: number }> {
  const started = clock();
  const now = sys.now();
  let timeline = 0;
  for (const deviceId of deviceIds) {
    if (clock() - started > budgetMs) break;
    try {
      await sys.store.addTimeline({ deviceId, time: now, state: 'offline', detail: 'server shutdown' });
      timeline++;
    } catch (err) {
      sys.log.debug({ err, deviceId }, 'no shutdown timeline row (device removed?)');
    }
  }
  await sys.store.clearPresenceOfWorker(sys.bus.workerId);
  return { timeline, skipped: deviceIds.length - timeline };
}

/**
 * At start, while no worker of this server is alive — a single process (the agent endpoint, with
 * the in-process bus), or the cluster primary before it forks its workers: every presence row was
 * left by a previous run that did not shut down cleanly, so each becomes `offline` in the timeline
 * and the row is removed. Cluster workers never call this (their siblings' rows are live); each
 * clears its own rows at shutdown (recordWorkerShutdown), and the primary those of a worker that
 * died (recordWorkerLost).
 */
export async function clearStalePresence(sys: System): Promise<number> {
  const rows = await sys.store.listPresence();
  const now = sys.now();
  for (const row of rows) {
    if (!(await sys.store.clearPresence(row.deviceId, row.connectionId))) continue;
    try {
      await sys.store.addTimeline({ deviceId: row.deviceId, time: now, state: 'offline', detail: 'server restarted' });
    } catch (err) {
      sys.log.debug({ err, deviceId: row.deviceId }, 'no restart timeline row (device removed?)');
    }
  }
  return rows.length;
}

/**
 * Cluster primary, after a worker died without its shutdown: each device it held goes offline like
 * a closed connection (timeline, event, live `device` frame) — unless the agent already reconnected
 * to another worker, whose newer claim owns the row — then whatever is left of its rows is removed.
 * Offline records stop after `budgetMs` (the rows are still removed).
 */
export async function recordWorkerLost(sys: System, workerId: string, budgetMs: number, clock: () => number): Promise<{ offline: number; skipped: number }> {
  const started = clock();
  const rows = (await sys.store.listPresence()).filter((r) => r.workerId === workerId);
  let offline = 0;
  for (const row of rows) {
    if (clock() - started > budgetMs) break;
    const ref = { deviceId: row.deviceId, connectionId: row.connectionId, remoteAddress: row.remoteAddress };
    if (await recordOffline(sys, ref, 'server worker stopped unexpectedly')) offline++;
  }
  const skipped = await sys.store.clearPresenceOfWorker(workerId);
  return { offline, skipped };
}
