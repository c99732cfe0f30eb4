/**
 * Group › add a device: the group's enrolment key. Rotate it (install files made before stop
 * enrolling new devices; enrolled devices stay), or remove it so that the group enrols with tokens
 * only. Rotating shows the new key's install file.
 */
import { useState } from 'react';
import type { DeviceGroup, InstallFile } from '@meshwork/protocol';
import { api } from '../../lib/api.js';
import { useAction } from '../../lib/admin-action.js';
import { keys } from '../../lib/queries.js';
import { Button, Confirm, Notice } from '../ui.js';

export function EnrolmentKeyPanel({ group, onInstallFile }: { group: DeviceGroup; onInstallFile: (file: InstallFile) => void }) {
  const act = useAction([keys.groups]);
  const [confirming, setConfirming] = useState<'rotate' | 'remove' | null>(null);
  const rotate = () => act.runAsync(() => api.groups.rotateEnrolmentKey({ id: group.id }).then(onInstallFile), 'New enrolment key made.').catch(() => {});
  return (
    <div data-testid="enrolment-key">
      <h3>Group enrolment key</h3>
      {act.message && <Notice kind={act.message.kind}>{act.message.text}</Notice>}
      <p className="muted">
        {group.tokensOnly
          ? 'This group has no enrolment key: new devices join only with an enrolment token.'
          : 'Install files without a token hold the group enrolment key: they add any number of devices until the key is rotated.'}
      </p>
      <div className="row">
        <Button onClick={() => setConfirming('rotate')} disabled={act.busy}>{group.tokensOnly ? 'Make an enrolment key' : 'Rotate key'}</Button>
        {!group.tokensOnly && <Button variant="danger" onClick={() => setConfirming('remove')} disabled={act.busy}>Tokens only</Button>}
      </div>
      <Confirm
        open={confirming !== null}
        title={confirming === 'remove' ? 'Enrol with tokens only' : 'New enrolment key'}
        message={confirming === 'remove'
          ? 'Remove the group enrolment key? Install files without a token stop adding devices; only enrolment tokens do. Devices already added stay.'
          : 'Make a new enrolment key? Install files made with the old key stop adding devices. Devices already added stay.'}
        confirmLabel={confirming === 'remove' ? 'Tokens only' : 'Make new key'}
        onCancel={() => setConfirming(null)}
        onConfirm={() => {
          const what = confirming;
          setConfirming(null);
          if (what === 'remove') act.run(() => api.groups.removeEnrolmentKey({ id: group.id }), 'This group now enrols with tokens only.');
          else void rotate();
        }}
      />
    </div>
  );
}
