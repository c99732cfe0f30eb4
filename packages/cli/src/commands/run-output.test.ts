import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunOutcome } from '@meshwork/protocol';
import { parseCommandLine } from '../argv.js';
import { strs } from '../spec.js';
import { COMMANDS } from './index.js';
import { deviceExitCode, labels, LinePrefixer, progressBar, runExitCode, summaryLine, type DeviceEnd } from './run-output.js';

const o = (over: Partial<RunOutcome>): RunOutcome => ({ exitCode: null, signal: null, timedOut: false, truncated: false, error: null, durationMs: 1, ...over });
const exited = (code: number): DeviceEnd => ({ state: 'exited', outcome: o({ exitCode: code }) });

test('run: one device exits with exactly its code; several with 0 only when all succeeded', () => {
  assert.equal(runExitCode([exited(0)]), 0);
  assert.equal(runExitCode([exited(7)]), 7);
  assert.equal(deviceExitCode({ state: 'exited', outcome: o({ signal: 'SIGKILL' }) }), 137);
  assert.equal(deviceExitCode({ state: 'timeout', outcome: o({ timedOut: true, signal: 'SIGTERM' }) }), 124);
  assert.equal(deviceExitCode({ state: 'failed', outcome: o({ error: 'x: command not found' }) }), 127);
  assert.equal(deviceExitCode({ state: 'failed', outcome: o({ error: 'x: permission denied' }) }), 126);
  assert.equal(deviceExitCode({ state: 'offline', outcome: null }), 255);
  assert.equal(deviceExitCode({ state: 'lost', outcome: o({}) }), 255);
  assert.equal(runExitCode([exited(0), exited(0)]), 0);
  assert.equal(runExitCode([exited(0), exited(3)]), 1);
  assert.equal(runExitCode([exited(0), { state: 'offline', outcome: null }]), 1);
  assert.equal(runExitCode([]), 1);
});

test('run: the summary counts ok, failed, timeout, offline (and denied when any)', () => {
  const ends: DeviceEnd[] = [exited(0), exited(0), exited(1), { state: 'timeout', outcome: o({ timedOut: true }) }, { state: 'offline', outcome: null }, { state: 'lost', outcome: null }];
  assert.equal(summaryLine(ends), '6 devices: 2 ok, 2 failed, 1 timeout, 1 offline');
  assert.equal(summaryLine([exited(0), { state: 'denied', outcome: null }]), '2 devices: 1 ok, 0 failed, 0 timeout, 0 offline, 1 denied');
  assert.equal(progressBar(1, 4, 8), '[##------] 1/4');
});

test('run: lines are prefixed per device; partial lines wait; bytes stay exact', () => {
  const p = new LinePrefixer('[web] ');
  assert.equal(p.push(Buffer.from('one\ntw')).toString(), '[web] one\n');
  assert.equal(p.push(Buffer.from('o\nthree\n')).toString(), '[web] two\n[web] three\n');
  assert.equal(p.push(Buffer.from('\xff tail', 'latin1')).length, 0);
  assert.deepEqual(p.flush(), Buffer.concat([Buffer.from('[web] '), Buffer.from('\xff tail\n', 'latin1')]));
  assert.equal(p.flush().length, 0);
  const names = labels([
    { deviceId: 'a'.repeat(96), name: 'web', state: 'sent' },
    { deviceId: 'b'.repeat(96), name: 'web', state: 'sent' },
    { deviceId: 'c'.repeat(96), name: 'evil\u001b[2J', state: 'sent' },
  ]);
  assert.deepEqual([...names.values()], ['web#aaaaaaaa', 'web#bbbbbbbb', 'evil\\x1b[2J']);
});

test('run: the command line takes several --device and everything after --', () => {
  const p = parseCommandLine(['run', '--device', 'a', '--device', 'b', '--timeout', '5', '--', 'sh', '-c', 'exit 7', '--help', '--json'], COMMANDS);
  assert.equal(p.kind, 'command');
  if (p.kind !== 'command') return;
  assert.deepEqual(strs(p.input, 'device'), ['a', 'b']);
  assert.deepEqual(p.input.positionals, ['sh', '-c', 'exit 7', '--help', '--json']);
  assert.equal(p.globals.json, false, 'options after -- belong to the command');
  const power = parseCommandLine(['power', 'reboot', 'web-1', '--json'], COMMANDS);
  assert.ok(power.kind === 'command' && power.spec.name === 'power reboot' && power.globals.json);
  assert.throws(() => parseCommandLine(['wake', 'a', 'b'], COMMANDS), /unexpected argument/);
});
