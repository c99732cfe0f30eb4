/**
 * Presence and the connection timeline of agents: what happens in the store, the event log and on
 * the bus when an agent comes online, goes offline or is replaced by a newer connection.
 *
 * The store's presence row is the truth ("which worker holds which device, on which connection";
 * the newest setPresence wins). Every claim is also published on PRESENCE_CHANNEL so that whichever
 * worker holds an older connection of the same device closes it (`refused superseded`).
 */
import type { DeviceRecord, PresenceRecord, StoreWrite } from '@meshwork/store';
import { DEVICES_CHANNEL, type DeviceBusMessage } from '../../bus/channels.js';
import type { System } from '../../system.js';
import { deviceView } from '../devices/view.js';
import { AGENT_EVENT_TYPES, deviceEvent, publishEvent } from './events.js';
import { directWrites, type WriteFn } from './group-commit.js';

/** Rows per transaction at shutdown and start (one commit each). */
const WRITE_CHUNK = 5_000;

/** Bus channel: a connection claimed a device (so older connections elsewhere must go). */
export const PRESENCE_CHANNEL = 'presence';

export interface PresenceClaim {
  type: 'claimed';
  deviceId: string;
  workerId: string;
  connectionId: string;
  /** What the agent announced (auth.info.capabilities); absent when it announced nothing. */
  capabilities?: string[];
}

export function isPresenceClaim(m: unknown): m is PresenceClaim {
  if (typeof m !== 'object' || m === null) return false;
  const o = m as Record<string, unknown>;
  const caps = o.capabilities;
  if (caps !== undefined && !(Array.isArray(caps) && caps.length <= 64 && caps.every((c) => typeof c === 'string' && c.length <= 32))) return false;
  return o.type === 'claimed' && typeof o.deviceId === 'string' && typeof o.workerId === 'string' && typeof o.connectionId === 'string';
}

/** One agent connection, as presence and the timeline know it. */
export interface AgentConnectionRef {
  deviceId: string;
  connectionId: string;
  remoteAddress: string;
  /** What the agent announced, carried by the presence claim (domain/agents/capabilities.ts). */
  capabilities?: Iterable<string>;
}

/** Pushes the device to browser streams (devices the viewer may see only; see browser-stream.ts). */
export async function publishDevice(sys: System, device: DeviceRecord, online: boolean): Promise<void> {
  const m: DeviceBusMessage = { type: 'device', device: deviceView(device, online) };
  await sys.bus.publish(DEVICES_CHANNEL, m);
}

/** Makes this connection the device's holder and tells every worker (used where no batch applies). */
export async function claimPresence(sys: System, ref: AgentConnectionRef): Promise<void> {
  await sys.store.setPresence(presenceRow(sys, ref));
  await publishClaim(sys, ref);
}

const presenceRow = (sys: System, ref: AgentConnectionRef): PresenceRecord => ({
  deviceId: ref.deviceId,
  workerId: sys.bus.workerId,
  connectionId: ref.connectionId,
  connectedAt: sys.now(),
  remoteAddress: ref.remoteAddress,
});

async function publishClaim(sys: System, ref: AgentConnectionRef): Promise<void> {
  const claim: PresenceClaim = {
    type: 'claimed', deviceId: ref.deviceId, workerId: sys.bus.workerId, connectionId: ref.connectionId,
    ...(ref.capabilities ? { capabilities: [...ref.capabilities] } : {}),
  };
  await sys.bus.publish(PRESENCE_CHANNEL, claim);
}

/** Whether this connection still holds the device's presence row. */
export async function holdsPresence(sys: System, ref: Pick<AgentConnectionRef, 'deviceId' | 'connectionId'>): Promise<boolean> {
  return (await sys.store.getPresence(ref.deviceId))?.connectionId === ref.connectionId;
}

/**
 * Before `welcome`, as one unit of writes (one commit, batched with other handshakes by the
 * endpoint's group commit): the presence claim, lastSeen, timeline `online`, event `device.online`.
 * Once committed: the claim on the bus, the event and a live `device` frame. False when the
 * device was removed meanwhile (nothing but the claim was written).
 */
export async function goOnline(sys: System, write: WriteFn, device: DeviceRecord, ref: AgentConnectionRef): Promise<boolean> {
  const now = sys.now();
  const event = deviceEvent(sys, {
    type: AGENT_EVENT_TYPES.deviceOnline, message: `Device ${device.name} connected`, deviceId: device.id, groupId: device.groupId,
    data: { remoteAddress: ref.remoteAddress },
  });
  const results = await write([
    { kind: 'setPresence', presence: presenceRow(sys, ref) },
    { kind: 'touchDevice', deviceId: device.id, lastSeen: now },
    { kind: 'addTimeline', entry: { deviceId: device.id, time: now, state: 'online', detail: `connected from ${ref.remoteAddress}` }, requires: 1 },
    { kind: 'addEvent', event, requires: 1 },
  ]);
  await publishClaim(sys, ref);
  if (results[1]?.status !== 'ok') return false;
  if (results[3]?.status === 'ok') await publishEvent(sys, event);
  await publishDevice(sys, { ...device, lastSeen: now }, true);
  return true;
}

/**
 * On close. Clears the presence row only if this connection still holds it; a superseded
 * connection changes nothing (the device is still online elsewhere) and returns false.
 * Otherwise lastSeen, timeline `offline`, event `device.offline`, live `device` frame — one unit.
 */
export async function recordOffline(sys: System, ref: AgentConnectionRef, detail: string, write: WriteFn = directWrites(sys.store)): Promise<boolean> {
  const device = await sys.store.getDevice(ref.deviceId);
  const clear: StoreWrite = { kind: 'clearPresence', deviceId: ref.deviceId, connectionId: ref.connectionId };
  if (!device) return (await write([clear]))[0]?.status === 'ok'; // removed while connected: nothing left to record
  const now = sys.now();
  const event = deviceEvent(sys, {
    type: AGENT_EVENT_TYPES.deviceOffline, message: `Device ${device.name} disconnected`, deviceId: device.id, groupId: device.groupId,
    data: { reason: detail },
  });
  const results = await write([
    clear,
    { kind: 'touchDevice', deviceId: device.id, lastSeen: now, requires: 0 },
    { kind: 'addTimeline', entry: { deviceId: device.id, time: now, state: 'offline', detail }, requires: 1 },
    { kind: 'addEvent', event, requires: 1 },
  ]);
  if (results[0]?.status !== 'ok') return false;
  if (results[3]?.status === 'ok') await publishEvent(sys, event);
  if (results[1]?.status === 'ok') await publishDevice(sys, { ...device, lastSeen: now }, false);
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
  for (let i = 0; i < deviceIds.length && clock() - started <= budgetMs; i += WRITE_CHUNK) {
    const writes: StoreWrite[] = deviceIds.slice(i, i + WRITE_CHUNK).map((deviceId) => ({ kind: 'addTimeline', entry: { deviceId, time: now, state: 'offline', detail: 'server shutdown' } }));
    timeline += (await sys.store.applyWrites(writes)).filter((r) => r.status === 'ok').length; // a removed device fails alone
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
  for (let i = 0; i < rows.length; i += WRITE_CHUNK) {
    const writes: StoreWrite[] = [];
    for (const row of rows.slice(i, i + WRITE_CHUNK)) {
      const at = writes.push({ kind: 'clearPresence', deviceId: row.deviceId, connectionId: row.connectionId }) - 1;
      writes.push({ kind: 'addTimeline', entry: { deviceId: row.deviceId, time: now, state: 'offline', detail: 'server restarted' }, requires: at });
    }
    await sys.store.applyWrites(writes); // a removed device's timeline row fails alone
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
