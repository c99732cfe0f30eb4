import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AgentCommandFrame, AgentRunOutput, RUN_OUTPUT_CHUNK_BYTES, ServerCommandFrame, ServerRun, ServerWake } from './frames.js';
import { RunCreateBody } from './api.js';
import { ServerSessionFrame } from '../session/messages.js';

const id = 'AAAAAAAAAAAAAAAAAAAAAA';
const run = { type: 'run', runId: id, timeoutMs: 60_000, maxOutputBytes: 1024 };

test('commands: a run carries exactly one of argv and script, and no NUL', () => {
  assert.ok(ServerRun.safeParse({ ...run, argv: ['echo', 'hi'] }).success);
  assert.ok(ServerRun.safeParse({ ...run, script: 'echo $HOME | wc -c' }).success);
  assert.equal(ServerRun.safeParse(run).success, false, 'neither');
  assert.equal(ServerRun.safeParse({ ...run, argv: ['echo'], script: 'echo' }).success, false, 'both');
  assert.equal(ServerRun.safeParse({ ...run, argv: [] }).success, false, 'empty argv');
  assert.equal(ServerRun.safeParse({ ...run, argv: [''] }).success, false, 'empty program');
  assert.equal(ServerRun.safeParse({ ...run, argv: ['echo', 'a\u0000b'] }).success, false, 'NUL');
  assert.equal(ServerRun.safeParse({ ...run, argv: ['x'], runId: 'short' }).success, false, 'run id');
  assert.equal(ServerRun.safeParse({ ...run, argv: ['x'], timeoutMs: 3600_001 }).success, false, 'timeout');
  assert.equal(ServerRun.safeParse({ ...run, argv: ['x'], extra: 1 }).success, false, 'strict');
  // the server's session frame union carries commands
  assert.ok(ServerSessionFrame.safeParse({ ...run, argv: ['true'] }).success);
  assert.ok(ServerCommandFrame.safeParse({ type: 'power', requestId: id, action: 'reboot' }).success);
  assert.equal(ServerCommandFrame.safeParse({ type: 'power', requestId: id, action: 'format' }).success, false);
});

test('commands: output is canonical base64 of at most one chunk', () => {
  const ok = { type: 'runOutput', runId: id, stream: 'stdout', data: Buffer.from('hi\n').toString('base64') };
  assert.ok(AgentRunOutput.safeParse(ok).success);
  assert.equal(AgentRunOutput.safeParse({ ...ok, data: 'aGk=\n' }).success, false);
  assert.equal(AgentRunOutput.safeParse({ ...ok, data: 'a' }).success, false);
  assert.equal(AgentRunOutput.safeParse({ ...ok, data: '' }).success, false);
  assert.equal(AgentRunOutput.safeParse({ ...ok, stream: 'stdin' }).success, false);
  assert.ok(AgentRunOutput.safeParse({ ...ok, data: Buffer.alloc(RUN_OUTPUT_CHUNK_BYTES).toString('base64') }).success);
  assert.equal(AgentRunOutput.safeParse({ ...ok, data: Buffer.alloc(RUN_OUTPUT_CHUNK_BYTES + 3).toString('base64') }).success, false);
  const exit = { type: 'runExit', runId: id, exitCode: 0, signal: null, timedOut: false, truncated: false, error: null, durationMs: 5 };
  assert.ok(AgentCommandFrame.safeParse(exit).success);
  assert.equal(AgentCommandFrame.safeParse({ ...exit, exitCode: 256 }).success, false);
  assert.equal(AgentCommandFrame.safeParse({ ...exit, signal: 'KILL' }).success, false);
  assert.equal(AgentCommandFrame.safeParse({ ...exit, error: 'bad\u001b[31m' }).success, false, 'control characters');
});

test('commands: wake frames take MACs and IPv4 targets only', () => {
  const wake = { type: 'wake', requestId: id, macs: ['02:fc:00:00:00:01'], targets: [{ address: '192.0.2.255', port: 9 }] };
  assert.ok(ServerWake.safeParse(wake).success);
  assert.equal(ServerWake.safeParse({ ...wake, macs: ['02:FC:00:00:00:01'] }).success, false, 'lowercase');
  assert.equal(ServerWake.safeParse({ ...wake, macs: [] }).success, false);
  assert.equal(ServerWake.safeParse({ ...wake, targets: [{ address: '256.0.0.1', port: 9 }] }).success, false);
  assert.equal(ServerWake.safeParse({ ...wake, targets: [{ address: 'example.com', port: 9 }] }).success, false);
  assert.equal(ServerWake.safeParse({ ...wake, targets: [{ address: '192.0.2.255', port: 0 }] }).success, false);
});

test('commands: a run selects devices one way and gives one command', () => {
  const dev = 'a'.repeat(96);
  assert.equal(RunCreateBody.parse({ deviceIds: [dev], command: ['true'] }).timeoutSeconds, 60);
  assert.ok(RunCreateBody.safeParse({ groupId: dev, tag: 'web', script: 'true' }).success, 'group and tag together');
  assert.equal(RunCreateBody.safeParse({ command: ['true'] }).success, false, 'no selection');
  assert.equal(RunCreateBody.safeParse({ deviceIds: [dev], groupId: dev, command: ['true'] }).success, false, 'ids and group');
  assert.equal(RunCreateBody.safeParse({ deviceIds: [dev] }).success, false, 'no command');
  assert.equal(RunCreateBody.safeParse({ deviceIds: [dev], command: ['true'], script: 'true' }).success, false, 'both');
  assert.equal(RunCreateBody.safeParse({ deviceIds: [dev], command: ['true'], timeoutSeconds: 3601 }).success, false);
  assert.equal(RunCreateBody.safeParse({ deviceIds: [dev], command: ['true'], timeoutSeconds: 0 }).success, false);
});
