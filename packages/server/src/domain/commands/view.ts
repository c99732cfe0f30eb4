/** A run as the API shows it (`GET /api/v1/runs/:id`): per device its state, outcome and bounded output text. */
import { RUN_VIEW_OUTPUT_CHARS, type RunDeviceView, type RunView } from '@meshwork/protocol';
import type { Run } from './registry.js';

export function runView(run: Run): RunView {
  const parts = new Map<string, { stdout: Buffer[]; stderr: Buffer[]; kept: { stdout: number; stderr: number } }>();
  for (const e of run.log) {
    if (e.kind !== 'output') continue;
    let p = parts.get(e.deviceId);
    if (!p) parts.set(e.deviceId, (p = { stdout: [], stderr: [], kept: { stdout: 0, stderr: 0 } }));
    const room = RUN_VIEW_OUTPUT_CHARS - p.kept[e.stream];
    if (room <= 0) continue;
    const part = e.data.length > room ? e.data.subarray(0, room) : e.data;
    p[e.stream].push(part);
    p.kept[e.stream] += part.length;
  }
  const devices = [...run.devices.values()].map((d): RunDeviceView => {
    const p = parts.get(d.deviceId);
    const o = d.outcome;
    return {
      deviceId: d.deviceId,
      name: d.name,
      state: d.state,
      exitCode: o?.exitCode ?? null,
      signal: o?.signal ?? null,
      timedOut: o?.timedOut ?? false,
      truncated: o?.truncated ?? false,
      error: o?.error ?? null,
      durationMs: o?.durationMs ?? null,
      stdout: p ? Buffer.concat(p.stdout).toString('utf8') : '',
      stderr: p ? Buffer.concat(p.stderr).toString('utf8') : '',
      stdoutBytes: d.bytes.stdout,
      stderrBytes: d.bytes.stderr,
      outputCut: p ? p.kept.stdout < d.bytes.stdout || p.kept.stderr < d.bytes.stderr : false,
    };
  });
  return {
    runId: run.id,
    actorId: run.actorId,
    createdAt: new Date(run.createdAt).toISOString(),
    command: run.command,
    script: run.script,
    timeoutSeconds: Math.round(run.timeoutMs / 1000),
    done: run.done,
    devices,
  };
}
