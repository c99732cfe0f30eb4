/** Agent self-update: group policies, per-device state and per-version outcomes (migration 0005). */
import type { AgentUpdateOutcomeRecord, AgentUpdatePolicy, AgentUpdateRecord, Store } from '@meshwork/store';
import type { Db } from './db.js';
import { type Columns, fromRowOrNull, fromRows, insertSql, toParams } from './codec.js';

export const UPDATE: Columns<AgentUpdateRecord> = {
  deviceId: ['device_id', 'plain'],
  version: ['version', 'plain'],
  platform: ['platform', 'plain'],
  target: ['target', 'plain'],
  state: ['state', 'plain'],
  error: ['error', 'plain'],
  at: ['at', 'plain'],
};
export const UPSERT_UPDATE = `${insertSql('agent_updates', UPDATE)} ON CONFLICT (device_id) DO UPDATE SET
  version = excluded.version, platform = excluded.platform, target = excluded.target, state = excluded.state,
  error = excluded.error, at = excluded.at`;

const OUTCOME: Columns<AgentUpdateOutcomeRecord> = {
  deviceId: ['device_id', 'plain'],
  version: ['version', 'plain'],
  outcome: ['outcome', 'plain'],
  error: ['error', 'plain'],
  at: ['at', 'plain'],
};
const UPSERT_OUTCOME = `${insertSql('agent_update_outcomes', OUTCOME)} ON CONFLICT (device_id, version) DO UPDATE SET
  outcome = excluded.outcome, error = excluded.error, at = excluded.at`;

export type AgentUpdateMethods = Pick<Store,
  | 'getAgentUpdatePolicy' | 'setAgentUpdatePolicy' | 'listGroupsWithAgentUpdatePolicy' | 'setAgentUpdate' | 'getAgentUpdate'
  | 'listAgentUpdates' | 'setAgentUpdateOutcome' | 'listAgentUpdateOutcomes' | 'deleteAgentUpdateOutcomes' | 'countAgentUpdateOutcomes'>;

export function agentUpdateMethods(db: Db): AgentUpdateMethods {
  return {
    async getAgentUpdatePolicy(groupId) {
      return db.get<{ policy: AgentUpdatePolicy }>('SELECT policy FROM group_agent_updates WHERE group_id = ?', groupId)?.policy ?? 'all';
    },
    async setAgentUpdatePolicy(groupId, policy) {
      db.run('INSERT INTO group_agent_updates (group_id, policy) VALUES (?, ?) ON CONFLICT (group_id) DO UPDATE SET policy = excluded.policy', groupId, policy);
    },
    async listGroupsWithAgentUpdatePolicy(policy) {
      return db.all<{ group_id: string }>('SELECT group_id FROM group_agent_updates WHERE policy = ?', policy).map((r) => r.group_id);
    },
    async setAgentUpdate(r) {
      db.run(UPSERT_UPDATE, toParams(UPDATE, r));
    },
    async getAgentUpdate(deviceId) {
      return fromRowOrNull(UPDATE, db.get('SELECT * FROM agent_updates WHERE device_id = ?', deviceId));
    },
    async listAgentUpdates(groupIds) {
      if (groupIds === undefined) return fromRows(UPDATE, db.all('SELECT * FROM agent_updates'));
      return fromRows(UPDATE, db.all(
        `SELECT u.* FROM agent_updates u JOIN devices d ON d.id = u.device_id
          WHERE d.group_id IN (SELECT value FROM json_each(?))`,
        JSON.stringify(groupIds),
      ));
    },
    async setAgentUpdateOutcome(o) {
      db.run(UPSERT_OUTCOME, toParams(OUTCOME, o));
    },
    async listAgentUpdateOutcomes(deviceId) {
      return fromRows(OUTCOME, db.all('SELECT * FROM agent_update_outcomes WHERE device_id = ? ORDER BY at, version', deviceId));
    },
    async deleteAgentUpdateOutcomes(deviceId, outcomes) {
      return db.run(
        'DELETE FROM agent_update_outcomes WHERE device_id = ? AND outcome IN (SELECT value FROM json_each(?))', deviceId, JSON.stringify(outcomes),
      ).changes;
    },
    async countAgentUpdateOutcomes(version, groupIds) {
      const counts: Record<AgentUpdateOutcomeRecord['outcome'], number> = { updated: 0, failed: 0, 'rolled-back': 0 };
      const rows = db.all<{ outcome: AgentUpdateOutcomeRecord['outcome']; n: number }>(
        `SELECT o.outcome, count(*) AS n FROM agent_update_outcomes o JOIN devices d ON d.id = o.device_id
          WHERE o.version = ? AND d.group_id IN (SELECT value FROM json_each(?)) GROUP BY o.outcome`,
        version, JSON.stringify(groupIds),
      );
      for (const r of rows) counts[r.outcome] = r.n;
      return counts;
    },
  };
}
