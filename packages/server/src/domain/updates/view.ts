/** Store rows → the wire `AgentUpdateView` (one per device the caller may see). */
import type { AgentUpdateView } from '@meshwork/protocol';
import type { AgentUpdateOutcomeRecord, AgentUpdateRecord, DeviceSummary } from '@meshwork/store';
import { iso } from '../ids.js';

export function agentUpdateView(device: DeviceSummary, row: AgentUpdateRecord | null, outcomes: readonly AgentUpdateOutcomeRecord[]): AgentUpdateView {
  return {
    deviceId: device.id,
    deviceName: device.name,
    groupId: device.groupId,
    version: row?.version ?? null,
    platform: row?.platform ?? null,
    target: row?.target ?? null,
    state: row?.state ?? null,
    error: row?.error ?? null,
    blocked: outcomes.filter((o) => o.outcome !== 'updated').map((o) => o.version),
    at: iso(row?.at ?? device.createdAt),
  };
}
