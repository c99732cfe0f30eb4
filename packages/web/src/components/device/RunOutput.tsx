/** The output of a run: a summary line and one block per device with its exit status. */
import { memo } from 'react';
import { Link } from 'react-router';
import { outcomeText, summarize, type DeviceRun } from '../../lib/device-run.js';

export function RunSummaryLine({ devices, done }: { devices: readonly DeviceRun[]; done: boolean }) {
  const s = summarize(devices);
  return (
    <p className="run-summary" role="status" data-testid="run-summary">
      {`${s.ok} ok / ${s.failed} failed / ${s.offline} offline`}
      {s.running > 0 && !done ? ` / ${s.running} running` : ''}
    </p>
  );
}

export const RunBlock = memo(function RunBlock({ run }: { run: DeviceRun }) {
  const status = outcomeText(run);
  const bad = run.state !== 'sent' && !(run.state === 'exited' && run.outcome?.exitCode === 0);
  return (
    <article className="run-output panel" data-testid="run-output" data-device-id={run.deviceId} data-state={run.state} aria-label={`Output of ${run.name}`}>
      <header className="row">
        <Link className="grow" to={`/devices/${run.deviceId}`}>{run.name}</Link>
        <span className={`run-exit ${bad ? 'run-bad' : run.state === 'sent' ? 'muted' : 'run-ok'}`} data-testid="run-exit">{status}</span>
      </header>
      {run.output ? <pre className="run-text">{run.output}</pre> : run.state === 'exited' ? <p className="muted small">No output.</p> : null}
      {run.outcome?.truncated && <p className="muted small">The device cut the output at its limit.</p>}
      {run.outcome?.durationMs != null && <p className="muted small">{`Took ${(run.outcome.durationMs / 1000).toFixed(1)} s.`}</p>}
    </article>
  );
});
