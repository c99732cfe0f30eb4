import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { AgentCommandFrame } from '@meshwork/protocol';
import type { CommandLink } from '../connection/session.js';
import { AgentCommands } from './commands.js';

const id = (n: number): string => `cmdTest${String(n).padStart(15, '0')}`;

function link(): CommandLink & { frames: AgentCommandFrame[]; next(type: AgentCommandFrame['type']): Promise<AgentCommandFrame>; end(): void } {
  const frames: AgentCommandFrame[] = [];
  const waiters: Array<() => void> = [];
  let end: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => (end = resolve));
  return {
    frames,
    closed,
    end,
    send(frame, written) {
      frames.push(frame);
      for (const w of waiters.splice(0)) w();
      if (written) setImmediate(written);
      return true;
    },
    async next(type) {
      for (;;) {
        const f = frames.find((x) => x.type === type);
        if (f) {
          frames.splice(frames.indexOf(f), 1);
          return f;
        }
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
  };
}

test('agent commands: runs answer on their link; beyond the cap a run is refused; stop ends the rest', async () => {
  const cmds = new AgentCommands({ env: {}, maxRuns: 1 });
  const l = link();
  cmds.handle({ type: 'run', runId: id(1), argv: ['sleep', '100'], timeoutMs: 60_000, maxOutputBytes: 100 }, l);
  cmds.handle({ type: 'run', runId: id(1), argv: ['sleep', '100'], timeoutMs: 60_000, maxOutputBytes: 100 }, l); // repeated: ignored
  assert.equal(cmds.running, 1);
  cmds.handle({ type: 'run', runId: id(2), argv: ['true'], timeoutMs: 60_000, maxOutputBytes: 100 }, l);
  const refused = await l.next('runExit');
  assert.ok(refused.type === 'runExit' && refused.runId === id(2));
  assert.match(refused.error ?? '', /1 commands are already running/);
  await cmds.stop();
  const ended = await l.next('runExit');
  assert.ok(ended.type === 'runExit' && ended.runId === id(1) && ended.signal === 'SIGTERM');
  assert.equal(cmds.running, 0);
  cmds.handle({ type: 'run', runId: id(3), argv: ['true'], timeoutMs: 60_000, maxOutputBytes: 100 }, l);
  const late = await l.next('runExit');
  assert.match(late.type === 'runExit' ? (late.error ?? '') : '', /stopping/);
});

test('agent commands: a run keeps going when its session ends, and is not held back by it', async () => {
  const cmds = new AgentCommands({ env: {} });
  const l = link();
  l.end();
  cmds.handle({ type: 'run', runId: id(4), script: 'echo gone', timeoutMs: 60_000, maxOutputBytes: 100 }, l);
  const exit = await l.next('runExit');
  assert.ok(exit.type === 'runExit' && exit.exitCode === 0);
});

test('agent commands: power runs the injected program; wake sends to the overriding target', async () => {
  const dir = mkdtempSync(join(os.tmpdir(), 'mw-cmds-'));
  const listener = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => listener.bind(0, '127.0.0.1', resolve));
  const packet = new Promise<Buffer>((resolve) => listener.once('message', (m) => resolve(m)));
  try {
    const script = join(dir, 'power.sh');
    writeFileSync(script, `#!/bin/sh\necho "$1" >> ${dir}/calls\n`);
    chmodSync(script, 0o755);
    const env = { MESHWORK_AGENT_POWER_COMMAND: script, MESHWORK_AGENT_WOL_TARGET: `127.0.0.1:${listener.address().port}` };
    const cmds = new AgentCommands({ env });
    const l = link();
    cmds.handle({ type: 'power', requestId: id(5), action: 'shutdown' }, l);
    const power = await l.next('powerResult');
    assert.ok(power.type === 'powerResult' && power.ok && power.action === 'shutdown' && power.requestId === id(5));
    assert.equal(readFileSync(join(dir, 'calls'), 'utf8'), 'shutdown\n');

    cmds.handle({ type: 'wake', requestId: id(6), macs: ['02:fc:00:00:00:09'], targets: [{ address: '192.0.2.255', port: 9 }] }, l);
    const wake = await l.next('wakeResult');
    assert.ok(wake.type === 'wakeResult' && wake.ok && wake.sent === 1);
    const got = await packet;
    assert.equal(got.toString('hex'), 'ff'.repeat(6) + '02fc00000009'.repeat(16));
  } finally {
    listener.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
