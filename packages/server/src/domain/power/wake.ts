/**
 * Wake-on-LAN through a neighbour: for an offline device, take its MACs and IPv4 networks from the
 * stored inventory, find online agents (that the caller can see) with an address in one of those
 * networks, and ask up to WAKE_MAX_AGENTS of them to send the magic packets to the network's
 * broadcast address on UDP ports 9 and 7. Needs `wake` on the device's group; audited as
 * `device.wake`.
 */
import type { ServerWake, WakeAgentResult, WakeResult, WakeTarget } from '@meshwork/protocol';
import type { DeviceRecord } from '@meshwork/store';
import { ApiError } from '../../errors.js';
import type { Principal, System } from '../../system.js';
import { knownWithout } from '../agents/capabilities.js';
import { newCommandId, reachable, type AgentTarget } from '../commands/dispatch.js';
import { COMMAND_EVENT_TYPES } from '../commands/events.js';
import { broadcastOf, inNet, ipv4Addresses, wakeInterfaces, type WakeInterface } from './subnets.js';

export const WAKE_MAX_AGENTS = 3;
export const WAKE_PORTS: readonly number[] = [9, 7];
/** How long to wait for the agents to confirm they sent the packets. */
export const WAKE_ANSWER_MS = 10_000;

export interface Neighbour {
  device: DeviceRecord;
  target: AgentTarget;
  macs: string[];
  targets: WakeTarget[];
}

/** What one neighbour can do for the device: the MACs on the networks it shares, and their broadcasts. */
export function planFor(ifaces: readonly WakeInterface[], neighbourAddresses: readonly number[]): { macs: string[]; targets: WakeTarget[] } {
  const macs = new Set<string>();
  const targets = new Map<string, WakeTarget>();
  for (const nic of ifaces) {
    for (const net of nic.nets) {
      if (!neighbourAddresses.some((a) => inNet(a, net))) continue;
      macs.add(nic.mac);
      for (const port of WAKE_PORTS) targets.set(`${broadcastOf(net)}:${port}`, { address: broadcastOf(net), port });
    }
  }
  return { macs: [...macs].slice(0, 16), targets: [...targets.values()].slice(0, 16) };
}

/** Online agents the caller can see that share a network with the device, at most WAKE_MAX_AGENTS. */
export async function findNeighbours(sys: System, p: Principal, device: DeviceRecord, ifaces: readonly WakeInterface[]): Promise<Neighbour[]> {
  const visible = await sys.authz.visibleGroupIds(p);
  const seen = visible === undefined ? null : new Set(visible);
  const rows = (await sys.store.listPresence()).filter((r) => r.deviceId !== device.id && reachable(sys, r)).sort((a, b) => b.connectedAt - a.connectedAt);
  const out: Neighbour[] = [];
  for (const row of rows) {
    if (out.length >= WAKE_MAX_AGENTS) break;
    const d = await sys.store.getDevice(row.deviceId);
    if (!d || (seen !== null && !seen.has(d.groupId))) continue;
    const plan = planFor(ifaces, ipv4Addresses(d.info));
    if (plan.macs.length === 0) continue;
    // An agent known not to send magic packets (it did not announce `wake`) is not asked.
    if (knownWithout(sys, d.id, row.connectionId, 'wake')) continue;
    out.push({ device: d, target: { deviceId: d.id, workerId: row.workerId, connectionId: row.connectionId }, ...plan });
  }
  return out;
}

export async function wakeDevice(sys: System, p: Principal, deviceId: string): Promise<WakeResult> {
  const device = await sys.authz.requireDevice(p, deviceId, 'wake');
  if (await sys.store.getPresence(device.id)) throw new ApiError('conflict', 'The device is online; Wake-on-LAN is for devices that are off or asleep.');
  const ifaces = wakeInterfaces(device.info);
  if (ifaces.length === 0) throw new ApiError('conflict', 'No MAC address with an IPv4 network is known for this device (it reports them in its inventory while online).');
  const neighbours = await findNeighbours(sys, p, device, ifaces);
  const agents = await Promise.all(
    neighbours.map(async (n): Promise<WakeAgentResult> => {
      const frame: ServerWake = { type: 'wake', requestId: newCommandId(), macs: n.macs, targets: n.targets };
      const answer = await sys.commands.request(n.target, p.user.id, frame, WAKE_ANSWER_MS);
      const reply = answer.reply?.type === 'wakeResult' ? answer.reply : null;
      return { deviceId: n.device.id, name: n.device.name, result: reply === null ? 'no_answer' : reply.ok ? 'sent' : 'failed', message: answer.message };
    }),
  );
  const macs = [...new Set(ifaces.map((i) => i.mac))];
  const sent = agents.filter((a) => a.result === 'sent').length;
  await sys.events.emit({
    type: COMMAND_EVENT_TYPES.deviceWake,
    message:
      agents.length === 0
        ? `${p.user.name} asked to wake ${device.name}, but no online agent shares a network with it`
        : `${p.user.name} asked to wake ${device.name}: ${sent} of ${agents.length} neighbouring agents sent magic packets`,
    actorId: p.user.id,
    deviceId: device.id,
    groupId: device.groupId,
    // Counts only: the neighbours may be in groups this event's audience cannot see.
    data: { macs, asked: agents.length, sent },
  });
  return { deviceId: device.id, macs, agents };
}
