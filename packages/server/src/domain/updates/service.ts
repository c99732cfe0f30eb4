/** The REST side of agent self-update: the per-device list, a retry, and a group's policy. */
import type { AgentUpdatePolicy, AgentUpdateView } from '@meshwork/protocol';
import type { DeviceRecord } from '@meshwork/store';
import type { System } from '../../system.js';
import { forgetFailures } from './state.js';
import { AGENT_UPDATES_CHANNEL, reconsiderAll, type AgentUpdatesMessage } from './updater.js';
import { agentUpdateView } from './view.js';

/** Devices of these groups (undefined: all) with their update state, by device name. */
export async function listAgentUpdates(sys: Pick<System, 'store'>, groupIds: string[] | undefined): Promise<AgentUpdateView[]> {
  if (groupIds !== undefined && groupIds.length === 0) return [];
  const [devices, rows] = await Promise.all([
    sys.store.listDeviceSummaries(groupIds !== undefined ? { groupIds } : {}),
    sys.store.listAgentUpdates(groupIds),
  ]);
  const byDevice = new Map(rows.map((r) => [r.deviceId, r]));
  const views: AgentUpdateView[] = [];
  for (const d of devices) {
    const row = byDevice.get(d.id) ?? null;
    // Blocked versions only where an update is under way or ended badly (a query per such device, not per device).
    const outcomes = row && row.state !== null && row.state !== 'updated' ? await sys.store.listAgentUpdateOutcomes(d.id) : [];
    views.push(agentUpdateView(d, row, outcomes));
  }
  return views;
}

/** One device with its update state. */
export async function deviceAgentUpdate(sys: Pick<System, 'store'>, device: DeviceRecord): Promise<AgentUpdateView> {
  const [row, outcomes] = await Promise.all([sys.store.getAgentUpdate(device.id), sys.store.listAgentUpdateOutcomes(device.id)]);
  return agentUpdateView(device, row, outcomes);
}

/** Forgets the device's failed and rolled-back versions and has its worker consider it again. */
export async function retryAgentUpdate(sys: System, device: DeviceRecord, actorId: string | undefined): Promise<AgentUpdateView> {
  await forgetFailures(sys, device.id, device.groupId, actorId);
  const m: AgentUpdatesMessage = { type: 'reconsider', deviceId: device.id };
  await sys.bus.publish(AGENT_UPDATES_CHANNEL, m);
  return deviceAgentUpdate(sys, device);
}

/**
 * Sets a group's policy (the caller checked editGroup and records the group.updated event); false
 * when unchanged. Every worker then reconsiders its agents (a group let through, or a canary group
 * gone, may release a version).
 */
export async function setGroupPolicy(sys: Pick<System, 'store' | 'bus'>, groupId: string, policy: AgentUpdatePolicy): Promise<boolean> {
  if ((await sys.store.getAgentUpdatePolicy(groupId)) === policy) return false;
  await sys.store.setAgentUpdatePolicy(groupId, policy);
  await reconsiderAll(sys);
  return true;
}
