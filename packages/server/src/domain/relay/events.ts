/**
 * Event types of relay sessions (part of the API, never renamed) and the two events themselves:
 * who opened what kind of session on which device, and, at the end, the bytes each way and the
 * duration. Secrets never appear; `relayId` is the non-secret label also used in logs.
 */
import type { System } from '../../system.js';
import type { RelayRecord } from './registry.js';

export const RELAY_EVENT_TYPES = { start: 'relay.start', end: 'relay.end' } as const;

const WHAT: Record<RelayRecord['protocol'], string> = { terminal: 'a terminal', files: 'a file session', tcp: 'a port forward' };

function target(r: RelayRecord): Record<string, unknown> {
  return 'host' in r.options ? { host: r.options.host, port: r.options.port } : {};
}

export async function emitRelayStart(sys: System, r: RelayRecord): Promise<void> {
  await sys.events.emit({
    type: RELAY_EVENT_TYPES.start,
    message: `${r.userName} opened ${WHAT[r.protocol]} on device ${r.deviceName}`,
    actorId: r.userId,
    deviceId: r.deviceId,
    groupId: r.groupId,
    data: { relayId: r.relayId, protocol: r.protocol, ...target(r) },
  });
}

export interface RelayTotals {
  bytesToDevice: number;
  bytesFromDevice: number;
  durationMs: number;
  closeCode: number;
}

export async function emitRelayEnd(sys: System, r: RelayRecord, t: RelayTotals): Promise<void> {
  await sys.events.emit({
    type: RELAY_EVENT_TYPES.end,
    message: `${r.userName} closed ${WHAT[r.protocol]} on device ${r.deviceName}`,
    actorId: r.userId,
    deviceId: r.deviceId,
    groupId: r.groupId,
    data: { relayId: r.relayId, protocol: r.protocol, ...target(r), ...t },
  });
}
