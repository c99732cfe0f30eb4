/**
 * Group › add a device (shown only to holders of manageDevices): make an install file — with a new
 * enrolment token (expiry, optional use limit) and nothing else that enrols, or with the group's
 * enrolment key — with its one-line install when the server has agent packages, then hand both
 * over (InstallResult). The key can be rotated or removed (tokens only).
 */
import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { DeviceGroup, InstallCommand, InstallFile } from '@meshwork/protocol';
import { api } from '../../lib/api.js';
import { problemText } from '../../lib/admin-errors.js';
import { adminKeys } from '../../lib/admin-queries.js';
import { Button, Field, Notice } from '../ui.js';
import { EnrolmentKeyPanel } from './EnrolmentKeyPanel.js';
import { EnrolmentTokensTable } from './EnrolmentTokensTable.js';
import { InstallResult } from './InstallResult.js';
import { Section } from './Section.js';

const EXPIRY = [
  { label: '1 hour', hours: 1 },
  { label: '1 day', hours: 24 },
  { label: '7 days', hours: 24 * 7 },
  { label: 'Never', hours: 0 },
];

/** An install file and, when the server has agent packages, the one-line install that carries it. */
interface Made {
  file: InstallFile;
  command: InstallCommand | null;
  /** Why there is no command (the server's words), when it said. */
  commandProblem?: string;
}

/** The group-key file with its one-liner (none, with the reason, when the server cannot make one). */
async function withKeyCommand(file: InstallFile): Promise<Made> {
  try {
    // Without packages the command endpoint answers a conflict; ask first rather than fail a request.
    if ((await api.agent.packages()).length === 0) return { file, command: null };
    return { file, command: await api.groups.installCommand({ id: file.groupId }) };
  } catch (e) {
    return { file, command: null, commandProblem: problemText(e) };
  }
}

export function InstallPanel({ group }: { group: DeviceGroup }) {
  const qc = useQueryClient();
  const [wantToken, setUseToken] = useState(true);
  const useToken = wantToken || group.tokensOnly;
  const [rotated, setRotated] = useState<Made | null>(null);
  const [hours, setHours] = useState(24);
  const [maxUses, setMaxUses] = useState('');
  const make = useMutation({
    mutationFn: async (): Promise<Made> => {
      if (!useToken) return withKeyCommand(await api.groups.installFile({ id: group.id }));
      const uses = Number(maxUses);
      const r = await api.groups.createEnrolmentToken({
        id: group.id,
        ...(hours > 0 ? { expiresInHours: hours } : {}),
        ...(maxUses.trim() && uses > 0 ? { maxUses: Math.floor(uses) } : {}),
      });
      return { file: r.installFile, command: r.installCommand ?? null };
    },
    onSuccess: () => {
      setRotated(null);
      void qc.invalidateQueries({ queryKey: adminKeys.enrolmentTokens(group.id) });
    },
  });
  const shown = rotated ?? make.data;
  const usesError = maxUses.trim() && !(Number.isInteger(Number(maxUses)) && Number(maxUses) >= 1) ? 'A whole number, 1 or more.' : null;

  function submit(e: FormEvent) {
    e.preventDefault();
    if (!usesError) make.mutate();
  }

  return (
    <Section title="Add a device" testId="add-device">
      <p className="muted">Create an install file: you get a one-line command that installs the Meshwork agent on a Linux device as a service, and the file itself. The agent connects to this server and joins {group.name}.</p>
      <form onSubmit={submit}>
        <label className="check">
          <input type="checkbox" checked={useToken} disabled={group.tokensOnly} onChange={(e) => setUseToken(e.target.checked)} />
          Use a new enrolment token (recommended: it can expire, be limited and be revoked){group.tokensOnly ? ' — this group enrols with tokens only' : ''}
        </label>
        {useToken && (
          <div className="row inline-form">
            <label className="field">
              <span className="label">Token expires after</span>
              <select value={hours} onChange={(e) => setHours(Number(e.target.value))}>
                {EXPIRY.map((x) => <option key={x.hours} value={x.hours}>{x.label}</option>)}
              </select>
            </label>
            <Field label="Maximum uses" type="number" min={1} inputMode="numeric" placeholder="no limit" value={maxUses} onChange={(e) => setMaxUses(e.target.value)} error={usesError} />
          </div>
        )}
        <Button type="submit" variant="primary" disabled={make.isPending}>Create install file</Button>
      </form>
      <Notice>{make.error ? problemText(make.error) : null}</Notice>
      {shown && <InstallResult file={shown.file} oneLiner={shown.command} {...(shown.commandProblem ? { oneLinerProblem: shown.commandProblem } : {})} />}
      <EnrolmentTokensTable groupId={group.id} />
      <EnrolmentKeyPanel group={group} onInstallFile={(file) => void withKeyCommand(file).then(setRotated)} />
    </Section>
  );
}
