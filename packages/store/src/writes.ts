/**
 * Writes applied together by `Store.applyWrites`: in order, in one transaction (one commit), so a
 * burst of agent handshakes costs one disk sync instead of one per row. A write that fails fails
 * alone (its result says why); the others still commit.
 */
import type { AgentUpdateRecord, DeviceRecord, EventRecord, PresenceRecord, TimelineRecord } from './records.js';
import type { StoreError } from './store.js';

export type StoreWrite = (
  | { kind: 'upsertDevice'; device: DeviceRecord }
  /** Sets lastSeen; `unchanged` when the device is missing. */
  | { kind: 'touchDevice'; deviceId: string; lastSeen: number }
  | { kind: 'setPresence'; presence: PresenceRecord }
  /** As clearPresence: `unchanged` unless this connection held the row. */
  | { kind: 'clearPresence'; deviceId: string; connectionId: string }
  | { kind: 'addTimeline'; entry: TimelineRecord }
  | { kind: 'addEvent'; event: EventRecord }
  /** As setAgentUpdate (2026-12-08: the version an agent connected with, noted at its handshake). */
  | { kind: 'setAgentUpdate'; update: AgentUpdateRecord }
) & {
  /** Index (in the same call) of an earlier write that must have been `ok`; otherwise `skipped`. */
  requires?: number;
};

export type StoreWriteResult =
  | { status: 'ok' }
  | { status: 'unchanged' }
  | { status: 'skipped' }
  | { status: 'failed'; error: StoreError };
