/**
 * Reaching an agent from any worker: the store's presence row says which worker holds the
 * device's connection; the frame goes on AGENT_DELIVERIES_CHANNEL and that worker's agent endpoint
 * puts it on its socket (agent-side.ts) — after checking the agent announced the capability. With the in-process bus only this process is reachable,
 * so a row of another process (e.g. the CLI's local mode beside a running server) counts as offline.
 */
import { randomBytes } from 'node:crypto';
import type { ServerCommandFrame } from '@meshwork/protocol';
import type { PresenceRecord } from '@meshwork/store';
import { InProcessBus } from '../../bus/bus.js';
import type { System } from '../../system.js';
import { AGENT_DELIVERIES_CHANNEL, type AgentDelivery } from './bus.js';

/** A live agent connection, as presence names it. */
export interface AgentTarget {
  deviceId: string;
  workerId: string;
  connectionId: string;
}

/** 16 random bytes, base64url: run and request ids (CommandId). */
export const newCommandId = (): string => randomBytes(16).toString('base64url');

export function reachable(sys: System, row: PresenceRecord): boolean {
  return !(sys.bus instanceof InProcessBus) || row.workerId === sys.bus.workerId;
}

/** The reachable agent connections of these devices (absent: offline). */
export async function locateAgents(sys: System, deviceIds: readonly string[]): Promise<Map<string, AgentTarget>> {
  const out = new Map<string, AgentTarget>();
  if (deviceIds.length === 0) return out;
  for (const row of await sys.store.listPresence([...deviceIds])) {
    if (reachable(sys, row)) out.set(row.deviceId, { deviceId: row.deviceId, workerId: row.workerId, connectionId: row.connectionId });
  }
  return out;
}

export async function sendToAgent(sys: Pick<System, 'bus'>, target: AgentTarget, actorId: string, frame: ServerCommandFrame): Promise<void> {
  const m: AgentDelivery = { ...target, actorId, frame };
  await sys.bus.publish(AGENT_DELIVERIES_CHANNEL, m);
}
