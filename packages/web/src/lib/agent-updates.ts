/** Agent self-update in the UI: the query of a group's (or every) device update state, and the words for it. */
import { useQuery } from '@tanstack/react-query';
import type { AgentUpdatePolicy, AgentUpdateView } from '@meshwork/protocol';
import { api } from './api.js';

export const agentUpdateKeys = {
  all: ['agentUpdates'] as const,
  group: (groupId: string) => ['agentUpdates', groupId] as const,
  device: (deviceId: string) => ['agentUpdates', 'device', deviceId] as const,
};

/** Update state of the devices of a group (only where the caller holds deviceDetails; else an error). */
export function useGroupAgentUpdates(groupId: string, enabled = true) {
  return useQuery({ queryKey: agentUpdateKeys.group(groupId), queryFn: () => api.agentUpdates.list({ groupId }), enabled, retry: false });
}

/** One device's update state (undefined while loading, null when it cannot be read). */
export function useDeviceAgentUpdate(deviceId: string, enabled = true): AgentUpdateView | null | undefined {
  const q = useQuery({ queryKey: agentUpdateKeys.device(deviceId), queryFn: () => api.agentUpdates.list({ deviceId }), enabled, retry: false });
  if (q.isError) return null;
  return q.data ? (q.data[0] ?? null) : undefined;
}

export const POLICY_LABELS: Record<AgentUpdatePolicy, string> = {
  all: 'Update after the canary groups (default)',
  canary: 'Canary: update first',
  off: 'Off: never update',
};

export const POLICY_HINT =
  'Canary groups get a new agent version as soon as the server has it. Other groups get it once a canary device updated ' +
  'and none failed or rolled back (at once when no canary group has devices).';

/** A short sentence for a device's update state. */
export function updateStateText(v: AgentUpdateView): string {
  if (v.state === null || v.target === null) return 'None offered';
  if (v.state === 'updated') return `Updated to ${v.target}`;
  if (v.state === 'offered') return `Offered ${v.target}`;
  if (v.state === 'failed') return `Update to ${v.target} failed${v.error ? `: ${v.error}` : ''}`;
  if (v.state === 'rolled-back') return `Rolled back from ${v.target}${v.error ? `: ${v.error}` : ''}`;
  return `Updating to ${v.target}: ${v.state}`;
}
