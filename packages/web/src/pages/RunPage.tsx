/**
 * Run a command on devices (/run?device=ID&device=ID…): the devices from the URL, a group or a
 * tag; a script (/bin/sh -c) or a program with arguments (no shell); output streams per device.
 */
import { useMemo, useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router';
import { RUN_DEFAULT_TIMEOUT_SECONDS, RUN_MAX_TIMEOUT_SECONDS, type RunCreateBody } from '@meshwork/protocol';
import { Button, Field, Notice } from '../components/ui.js';
import { RunTargets, type Targets } from '../components/device/RunTargets.js';
import { RunBlock, RunSummaryLine } from '../components/device/RunOutput.js';
import { allTags } from '../lib/device-index.js';
import { splitArgv, useRun } from '../lib/device-run.js';
import { useDevices, useGroups } from '../lib/queries.js';

export function RunPage() {
  const [params] = useSearchParams();
  const ids = useMemo(() => [...new Set(params.getAll('device'))], [params]);
  const devices = useDevices();
  const groups = useGroups();
  const chosen = useMemo(() => {
    const byId = new Map((devices.data ?? []).map((d) => [d.id, d]));
    return ids.map((id) => byId.get(id)).filter((d) => d !== undefined);
  }, [devices.data, ids]);
  const tags = useMemo(() => allTags(devices.data ?? []), [devices.data]);

  const [targets, setTargets] = useState<Targets>({ mode: ids.length > 0 ? 'devices' : 'group', groupId: '', tag: '' });
  const [line, setLine] = useState('');
  const [asScript, setAsScript] = useState(true);
  const [timeout, setTimeoutSeconds] = useState(String(RUN_DEFAULT_TIMEOUT_SECONDS));
  const [problem, setProblem] = useState<string | null>(null);
  const { state, start } = useRun();

  function submit(e: FormEvent): void {
    e.preventDefault();
    setProblem(null);
    const t = Number(timeout);
    if (!Number.isInteger(t) || t < 1 || t > RUN_MAX_TIMEOUT_SECONDS) return setProblem(`The timeout is a whole number of seconds from 1 to ${RUN_MAX_TIMEOUT_SECONDS}.`);
    const argv = asScript ? null : splitArgv(line);
    if (!line.trim() || (argv && argv.length === 0)) return setProblem('Enter a command.');
    const selection: Partial<RunCreateBody> =
      targets.mode === 'devices' ? { deviceIds: chosen.map((d) => d.id) }
      : targets.mode === 'group' ? { groupId: targets.groupId }
      : { tag: targets.tag.trim(), ...(targets.groupId ? { groupId: targets.groupId } : {}) };
    if (targets.mode === 'devices' && chosen.length === 0) return setProblem('No devices are selected.');
    if (targets.mode === 'group' && !targets.groupId) return setProblem('Choose a device group.');
    if (targets.mode === 'tag' && !targets.tag.trim()) return setProblem('Enter a tag.');
    void start({ ...selection, ...(argv ? { command: argv } : { script: line }), timeoutSeconds: t });
  }

  const running = state.phase === 'starting' || state.phase === 'running';
  return (
    <section className="run-page">
      <h1>Run a command</h1>
      <form className="panel" onSubmit={submit}>
        <RunTargets value={targets} onChange={setTargets} chosen={chosen} groups={groups.data ?? []} tags={tags} />
        <Field label="Command" value={line} onChange={(e) => setLine(e.target.value)} className="mono" autoComplete="off" spellCheck={false}
          hint={asScript ? 'Runs as a script with /bin/sh -c on each device.' : 'Runs the program directly with these arguments (no shell; quotes group words).'} />
        <div className="row">
          <label className="check">
            <input type="radio" name="run-as" checked={asScript} onChange={() => setAsScript(true)} />
            Shell script (/bin/sh -c)
          </label>
          <label className="check">
            <input type="radio" name="run-as" checked={!asScript} onChange={() => setAsScript(false)} />
            Program and arguments
          </label>
        </div>
        <div className="row bottom">
          <Field label="Timeout (seconds)" type="number" min={1} max={RUN_MAX_TIMEOUT_SECONDS} value={timeout} onChange={(e) => setTimeoutSeconds(e.target.value)} />
          <span className="grow" />
          <Button type="submit" variant="primary" disabled={running}>Run</Button>
        </div>
        {problem && <Notice>{problem}</Notice>}
      </form>
      {state.error && <Notice>{state.error}</Notice>}
      {state.phase === 'starting' && <p className="muted" role="status">Starting…</p>}
      {state.devices.length > 0 && (
        <>
          <RunSummaryLine devices={state.devices} done={state.phase === 'done'} />
          {state.devices.map((d) => <RunBlock key={d.deviceId} run={d} />)}
        </>
      )}
    </section>
  );
}
