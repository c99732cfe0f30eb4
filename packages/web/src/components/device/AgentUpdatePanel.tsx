/** The device's agent: the version it runs, the platform, and where its latest self-update stands. */
import type { Device } from '@meshwork/protocol';
import { api } from '../../lib/api.js';
import { useAction } from '../../lib/admin-action.js';
import { agentUpdateKeys, updateStateText, useDeviceAgentUpdate } from '../../lib/agent-updates.js';
import { Ago, Button, Notice, Spinner } from '../ui.js';

export function AgentUpdatePanel({ device, canManage }: { device: Device; canManage: boolean }) {
  const v = useDeviceAgentUpdate(device.id);
  const act = useAction([agentUpdateKeys.device(device.id), agentUpdateKeys.group(device.groupId)]);
  return (
    <section className="panel" aria-labelledby="agent-h" data-testid="agent-update">
      <h2 id="agent-h">Agent</h2>
      {v === undefined ? <Spinner /> : v === null ? <p className="muted">The agent's version could not be read.</p> : (
        <>
          <dl className="facts">
            <div><dt>Version</dt><dd>{v.version ?? 'unknown'}</dd></div>
            <div><dt>Platform</dt><dd>{v.platform ?? 'none with packages'}</dd></div>
            <div><dt>Update</dt><dd>{updateStateText(v)}</dd></div>
            {v.blocked.length > 0 && <div><dt>Not offered again</dt><dd>{v.blocked.join(', ')}</dd></div>}
          </dl>
          <p className="muted small">Since <Ago iso={v.at} /></p>
          {canManage && v.blocked.length > 0 && (
            <Button disabled={act.busy} onClick={() => act.run(() => api.devices.retryAgentUpdate({ id: device.id }), 'The update will be offered again.')}>Retry the update</Button>
          )}
          {act.message && <Notice kind={act.message.kind}>{act.message.text}</Notice>}
        </>
      )}
    </section>
  );
}
