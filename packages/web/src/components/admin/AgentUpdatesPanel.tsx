/**
 * Group › agent updates: the group's self-update policy (editGroup may change it) and the agent
 * version and update state of its devices (shown to holders of deviceDetails); a device whose
 * update failed or rolled back may be retried (manageDevices).
 */
import { AGENT_UPDATE_POLICIES, type AgentUpdatePolicy, type DeviceGroup } from '@meshwork/protocol';
import { api } from '../../lib/api.js';
import { useAction } from '../../lib/admin-action.js';
import { problemText } from '../../lib/admin-errors.js';
import { agentUpdateKeys, POLICY_HINT, POLICY_LABELS, updateStateText, useGroupAgentUpdates } from '../../lib/agent-updates.js';
import { keys } from '../../lib/queries.js';
import { groupCan } from '../../lib/rights.js';
import { Ago, Button, Notice } from '../ui.js';
import { Section } from './Section.js';

export function AgentUpdatesPanel({ group }: { group: DeviceGroup }) {
  const mayEdit = groupCan(group, 'editGroup');
  const mayRetry = groupCan(group, 'manageDevices');
  const seesDetails = groupCan(group, 'deviceDetails');
  const updates = useGroupAgentUpdates(group.id, seesDetails);
  const act = useAction([keys.groups, agentUpdateKeys.group(group.id)]);
  const policy = group.agentUpdates ?? 'all';

  return (
    <Section title="Agent updates" testId="agent-updates">
      <label className="field">
        <span className="label">Agents of this group update</span>
        <select
          value={policy}
          disabled={!mayEdit || act.busy}
          data-testid="agent-update-policy"
          onChange={(e) => {
            const next = e.target.value as AgentUpdatePolicy;
            act.run(() => api.groups.update({ id: group.id, agentUpdates: next }), `Agent updates: ${POLICY_LABELS[next]}.`);
          }}
        >
          {AGENT_UPDATE_POLICIES.map((p) => <option key={p} value={p}>{POLICY_LABELS[p]}</option>)}
        </select>
      </label>
      <p className="muted">{POLICY_HINT} Only agents installed as a service update themselves.</p>
      {act.message && <Notice kind={act.message.kind}>{act.message.text}</Notice>}
      {seesDetails && updates.error && <Notice>{problemText(updates.error)}</Notice>}
      {seesDetails && updates.data && updates.data.length > 0 && (
        <table className="list stack">
          <thead><tr><th>Device</th><th>Agent</th><th>Update</th><th>Since</th><th><span className="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {updates.data.map((v) => (
              <tr key={v.deviceId} data-testid="agent-update-row">
                <td>{v.deviceName}</td>
                <td>{v.version ?? '—'}{v.platform ? <span className="muted"> · {v.platform}</span> : null}</td>
                <td>{updateStateText(v)}{v.blocked.length > 0 && <span className="muted"> · not offered again: {v.blocked.join(', ')}</span>}</td>
                <td><Ago iso={v.at} /></td>
                <td>
                  {mayRetry && v.blocked.length > 0 && (
                    <Button variant="quiet" disabled={act.busy} onClick={() => act.run(() => api.devices.retryAgentUpdate({ id: v.deviceId }), `${v.deviceName} may be offered the update again.`)}>
                      Retry
                    </Button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}
