import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunOutcome } from '@meshwork/protocol';
import type { RunCreatedMessage } from './bus.js';
import { ACTIVE_BUDGET_BYTES, RESULT_GRACE_MS, RETAIN_MS, RunRegistry, type Run, type RunDevice } from './registry.js';
import { outputCap, commandText } from './runs.js';

const A = 'a'.repeat(96);
const B = 'b'.repeat(96);
const C = 'c'.repeat(96);
const exited = (exitCode: number): RunOutcome => ({ exitCode, signal: null, timedOut: false, truncated: false, error: null, durationMs: 3 });

function created(runId: string, over: Partial<RunCreatedMessage> = {}): RunCreatedMessage {
  return {
    type: 'created', runId, origin: 'w1', actorId: 'user0001', createdAt: 1_000, command: ['echo', 'hi'], script: null, timeoutMs: 10_000, maxOutputBytes: 10,
    devices: [
      { deviceId: A, name: 'a', state: 'sent' },
      { deviceId: B, name: 'b', state: 'sent' },
      { deviceId: C, name: 'c', state: 'offline' },
    ],
    ...over,
  };
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

test('registry: output is kept per device up to maxOutputBytes, in order, then clipped', () => {
  const reg = new RunRegistry('w1');
  reg.apply(created('run-0000000000000000001'), 1_000);
  const id = 'run-0000000000000000001';
  reg.apply({ type: 'output', runId: id, deviceId: A, stream: 'stdout', data: b64('12345') }, 1_001);
  reg.apply({ type: 'output', runId: id, deviceId: A, stream: 'stderr', data: b64('6789') }, 1_002);
  reg.apply({ type: 'output', runId: id, deviceId: A, stream: 'stdout', data: b64('abcdef') }, 1_003);
  reg.apply({ type: 'output', runId: id, deviceId: A, stream: 'stdout', data: b64('zzz') }, 1_004);
  reg.apply({ type: 'output', runId: id, deviceId: C, stream: 'stdout', data: b64('not sent') }, 1_004);
  reg.apply({ type: 'output', runId: 'unknown-run-00000000000', deviceId: A, stream: 'stdout', data: b64('x') }, 1_004);
  const run = reg.get(id) as Run;
  const out = run.log.filter((e) => e.kind === 'output').map((e) => (e.kind === 'output' ? `${e.stream}:${e.data.toString()}` : ''));
  assert.deepEqual(out, ['stdout:12345', 'stderr:6789', 'stdout:a'], 'exactly 10 bytes kept');
  const a = run.devices.get(A) as RunDevice;
  assert.deepEqual(a.bytes, { stdout: 6, stderr: 4 });
  assert.equal(a.clipped, true);
  reg.apply({ type: 'exit', runId: id, deviceId: A, state: 'exited', outcome: exited(0) }, 1_005);
  assert.equal(a.outcome?.truncated, true, 'clipping shows as truncated');
  reg.apply({ type: 'output', runId: id, deviceId: A, stream: 'stdout', data: b64('late') }, 1_006);
  assert.equal(run.log.length, 4, 'nothing after the exit');
  assert.equal(run.done, false);
  reg.apply({ type: 'exit', runId: id, deviceId: B, state: 'exited', outcome: exited(3) }, 1_007);
  reg.apply({ type: 'exit', runId: id, deviceId: B, state: 'lost', outcome: exited(3) }, 1_008);
  assert.equal(run.devices.get(B)?.state, 'exited', 'the first result stands');
  assert.equal(run.done, true);
  assert.equal(run.finishedAt, 1_007);
});

test('registry: a device without a result by the deadline is lost, recorded once by the origin worker', () => {
  const lost: string[] = [];
  const origin = new RunRegistry('w1', { lostAtDeadline: (_r, d) => lost.push(d.deviceId) });
  const other = new RunRegistry('w2', { lostAtDeadline: (_r, d) => lost.push(`other:${d.deviceId}`) });
  const m = created('run-0000000000000000002');
  for (const reg of [origin, other]) {
    reg.apply(m, 1_000);
    reg.apply({ type: 'exit', runId: m.runId, deviceId: A, state: 'timeout', outcome: { ...exited(0), exitCode: null, timedOut: true } }, 1_500);
  }
  const deadline = m.createdAt + m.timeoutMs + RESULT_GRACE_MS;
  origin.sweep(deadline - 1);
  assert.deepEqual(lost, []);
  origin.sweep(deadline);
  other.sweep(deadline);
  assert.deepEqual(lost, [B]);
  assert.equal(origin.get(m.runId)?.devices.get(B)?.state, 'lost');
  assert.equal(other.get(m.runId)?.devices.get(B)?.state, 'lost');
  assert.equal(origin.get(m.runId)?.done, true);
});

test('registry: finished runs are forgotten after the retention time; the budget refuses oversized runs', () => {
  const reg = new RunRegistry('w1');
  const m = created('run-0000000000000000003', { devices: [{ deviceId: C, name: 'c', state: 'offline' }] });
  reg.apply(m, 1_000);
  assert.equal(reg.get(m.runId)?.done, true, 'nothing was sent: done at once');
  reg.sweep(1_000 + RETAIN_MS - 1);
  assert.ok(reg.get(m.runId));
  reg.sweep(1_000 + RETAIN_MS);
  assert.equal(reg.get(m.runId), undefined);

  assert.ok(reg.fits(256, 1024 * 1024));
  assert.equal(reg.fits(257, 1024 * 1024), false);
  reg.apply(created('run-0000000000000000004', { maxOutputBytes: ACTIVE_BUDGET_BYTES / 2 }), 2_000); // 2 devices in progress
  assert.equal(reg.fits(1, 1), false, 'the running run holds the whole budget');
});

test('runs: output caps share a 32 MiB budget within [4 KiB, 1 MiB]; commands print quoted', () => {
  assert.equal(outputCap(1), 1024 * 1024);
  assert.equal(outputCap(32), 1024 * 1024);
  assert.equal(outputCap(64), 512 * 1024);
  assert.equal(outputCap(5000), Math.floor((32 * 1024 * 1024) / 5000));
  assert.equal(outputCap(100_000), 4 * 1024);
  assert.equal(commandText(['echo', 'hello world', "it's"], null), `echo 'hello world' 'it'\\''s'`);
  assert.equal(commandText(null, 'echo $HOME'), 'sh -c "echo $HOME"');
  assert.equal(commandText(['x'.repeat(5000)], null).length, 1024);
});
