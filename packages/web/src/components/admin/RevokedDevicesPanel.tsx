/**
 * Device groups › removed devices (site administrators): a removed device's agent is refused until
 * an administrator allows it to enrol again (it then needs a current install file or token).
 */
import { useState } from 'react';
import type { DeviceRevocation } from '@meshwork/protocol';
import { api } from '../../lib/api.js';
import { useAction } from '../../lib/admin-action.js';
import { problemText } from '../../lib/admin-errors.js';
import { adminKeys, useRevokedDevices } from '../../lib/admin-queries.js';
import { Ago, Button, Confirm, Notice } from '../ui.js';
import { Section } from './Section.js';

export function RevokedDevicesPanel() {
  const list = useRevokedDevices();
  const act = useAction([adminKeys.revokedDevices]);
  const [allowing, setAllowing] = useState<DeviceRevocation | null>(null);
  return (
    <Section title="Removed devices" testId="revoked-devices">
      <p className="muted">A removed device cannot enrol again, even with a valid install file, until you allow it here.</p>
      {act.message && <Notice kind={act.message.kind}>{act.message.text}</Notice>}
      {list.error && <Notice>{problemText(list.error)}</Notice>}
      {list.data?.length === 0 && <p className="muted">No removed devices.</p>}
      {list.data && list.data.length > 0 && (
        <table className="list stack">
          <thead><tr><th>Device</th><th>Removed</th><th><span className="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {list.data.map((r) => (
              <tr key={r.deviceId}>
                <td data-label="Device">{r.name} <span className="muted mono">{r.deviceId.slice(0, 12)}…</span></td>
                <td data-label="Removed"><Ago iso={r.revokedAt} /></td>
                <td className="actions"><Button onClick={() => setAllowing(r)}>Allow again</Button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Confirm
        open={!!allowing}
        title="Allow a removed device"
        message={`Allow ${allowing?.name ?? ''} to enrol again? Its agent joins the group of the install file or token it presents.`}
        confirmLabel="Allow again"
        onCancel={() => setAllowing(null)}
        onConfirm={() => {
          const r = allowing!;
          setAllowing(null);
          act.run(() => api.devices.liftRevocation({ id: r.deviceId }), `${r.name} may enrol again.`);
        }}
      />
    </Section>
  );
}
