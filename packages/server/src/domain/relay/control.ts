/**
 * Delivering a frame to a device's agent control connection, wherever it is: the sender publishes
 * on AGENT_DELIVERIES_CHANNEL (domain/commands/bus.ts, the one channel for every server → agent
 * frame) naming the device, the worker and the connection that hold its presence row; that worker
 * puts the frame on the socket (domain/commands/agent-side.ts). Fire and forget: a frame for a
 * connection that just went away is dropped (relay sessions then expire unpaired). An agent known
 * not to have announced the capability is refused here (`not_supported`); the holder checks again.
 */
import type { ServerRelayOpen } from '@meshwork/protocol';
import type { System } from '../../system.js';
import { knownMissing } from '../agents/capabilities.js';
import { AGENT_DELIVERIES_CHANNEL, AgentDelivery } from '../commands/bus.js';
import { reachable } from '../commands/dispatch.js';

/** The agent delivery channel, under the name the relay code knows it by. */
export const AGENT_CONTROL_CHANNEL = AGENT_DELIVERIES_CHANNEL;
export type AgentControlMessage = AgentDelivery;

export function isAgentControlMessage(m: unknown): m is AgentControlMessage {
  return AgentDelivery.safeParse(m).success;
}

export type DeliveryResult = 'sent' | 'offline' | { notSupported: string };

/** Sends `frame` to the device's current control connection. */
export async function deliverToAgent(sys: System, deviceId: string, frame: ServerRelayOpen): Promise<DeliveryResult> {
  const presence = await sys.store.getPresence(deviceId);
  if (!presence || !reachable(sys, presence)) return 'offline';
  const missing = knownMissing(sys, deviceId, presence.connectionId, frame);
  if (missing !== null) return { notSupported: missing };
  const m: AgentDelivery = { deviceId, workerId: presence.workerId, connectionId: presence.connectionId, frame };
  await sys.bus.publish(AGENT_DELIVERIES_CHANNEL, m);
  return 'sent';
}
