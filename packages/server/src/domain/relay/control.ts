/**
 * Delivering a frame to a device's agent control connection, wherever it is: the sender publishes
 * on the bus channel AGENT_CONTROL_CHANNEL naming the device and the connection that holds its
 * presence row; the worker holding that connection sends the frame (ws/agent/endpoint.ts).
 * Fire and forget: a frame for a connection that just went away is dropped (relay sessions then
 * expire unpaired).
 */
import { ServerSessionFrame } from '@meshwork/protocol';
import type { System } from '../../system.js';

export const AGENT_CONTROL_CHANNEL = 'agent-control';

export interface AgentControlMessage {
  type: 'deliver';
  deviceId: string;
  connectionId: string;
  frame: ServerSessionFrame;
}

export function isAgentControlMessage(m: unknown): m is AgentControlMessage {
  if (typeof m !== 'object' || m === null) return false;
  const o = m as Record<string, unknown>;
  return o.type === 'deliver' && typeof o.deviceId === 'string' && typeof o.connectionId === 'string' && ServerSessionFrame.safeParse(o.frame).success;
}

/** Sends `frame` to the device's current control connection; false when the device is not connected. */
export async function deliverToAgent(sys: System, deviceId: string, frame: ServerSessionFrame): Promise<boolean> {
  const presence = await sys.store.getPresence(deviceId);
  if (!presence) return false;
  const m: AgentControlMessage = { type: 'deliver', deviceId, connectionId: presence.connectionId, frame };
  await sys.bus.publish(AGENT_CONTROL_CHANNEL, m);
  return true;
}
