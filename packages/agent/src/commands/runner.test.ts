import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { AgentCommandFrame, AgentRunExit, ServerRun } from '@meshwork/protocol';
import { CommandRun, runEnv, type RunSink } from './runner.js';

const RUN_ID = 'runnerTestAAAAAAAAAAAA';

/** A sink that confirms every frame at once and keeps the bytes per stream. */
function collector(): RunSink & { out: { stdout: Buffer[]; stderr: Buffer[] }; frames: AgentCommandFrame[] } {
  const out = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  const frames: AgentCommandFrame[] = [];
  return {
    out,
    frames,
    send(frame, written) {
      frames.push(frame);
      if (frame.type === 'runOutput') out[frame.stream].push(Buffer.from(frame.data, 'base64'));
      setImmediate(written);
      return true;
    },
  };
}

const run = (over: Partial<ServerRun>): ServerRun => ({ type: 'run', runId: RUN_ID, timeoutMs: 60_000, maxOutputBytes: 1024 * 1024, ...over }) as ServerRun;

/** Running (a zombie waiting for a parent that never reaps it counts as gone). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

test('runner: argv runs without a shell and its bytes arrive exactly, stdout and stderr apart', async () => {
  const sink = collector();
  const exit = await new CommandRun(run({ argv: ['printf', '%s\\n', '$HOME; echo pwned', 'é'] }), sink).done;
  assert.equal(Buffer.concat(sink.out.stdout).toString(), '$HOME; echo pwned\né\n');
  assert.deepEqual(exit, { type: 'runExit', runId: RUN_ID, exitCode: 0, signal: null, timedOut: false, truncated: false, error: null, durationMs: exit.durationMs });
  assert.equal(sink.frames.at(-1)?.type, 'runExit', 'the exit comes last');

  const binary = collector();
  const bytes = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x80, 10, 13]);
  await new CommandRun(run({ script: `printf '${[...bytes].map((b) => `\\${b.toString(8).padStart(3, '0')}`).join('')}'; printf err >&2; exit 7` }), binary).done.then((e) => assert.equal(e.exitCode, 7));
  assert.deepEqual(Buffer.concat(binary.out.stdout), bytes, 'not valid UTF-8, still exact');
  assert.equal(Buffer.concat(binary.out.stderr).toString(), 'err');
});

test('runner: a program that does not exist is an error, not a crash', async () => {
  const sink = collector();
  const exit = await new CommandRun(run({ argv: ['meshwork-no-such-program-xyz'] }), sink).done;
  assert.equal(exit.exitCode, null);
  assert.match(exit.error ?? '', /meshwork-no-such-program-xyz: command not found/);
});

test('runner: the environment is minimal and the directory is the home (or temp) dir', async () => {
  const sink = collector();
  process.env.MESHWORK_SECRET_FOR_TEST = 'leak';
  try {
    await new CommandRun(run({ script: 'env; echo "cwd=$(pwd)"' }), sink, { env: runEnv(process.env, RUN_ID) }).done;
  } finally {
    delete process.env.MESHWORK_SECRET_FOR_TEST;
  }
  const text = Buffer.concat(sink.out.stdout).toString();
  assert.doesNotMatch(text, /MESHWORK_SECRET_FOR_TEST/);
  assert.match(text, new RegExp(`^MESHWORK_RUN_ID=${RUN_ID}$`, 'm'));
  assert.match(text, /^PATH=\/usr\/local\/sbin:/m);
  const home = os.userInfo().homedir;
  assert.match(text, new RegExp(`^cwd=(${home}|${os.tmpdir()})$`, 'm'));
});

test('runner: output beyond maxOutputBytes is dropped and reported as truncated; the process is not blocked', async () => {
  const sink = collector();
  const exit = await new CommandRun(run({ script: 'head -c 300000 /dev/zero; echo done >&2', maxOutputBytes: 100_000 }), sink).done;
  const total = [...sink.out.stdout, ...sink.out.stderr].reduce((n, b) => n + b.length, 0);
  assert.equal(total, 100_000);
  assert.equal(exit.truncated, true);
  assert.equal(exit.exitCode, 0);
  const chunks = sink.frames.filter((f) => f.type === 'runOutput').map((f) => (f.type === 'runOutput' ? Buffer.from(f.data, 'base64').length : 0));
  assert.ok(chunks.every((n) => n <= 32 * 1024), 'frames stay within one chunk');
});

test('runner: the timeout kills the whole process tree', async () => {
  const dir = mkdtempSync(join(os.tmpdir(), 'mw-runner-'));
  try {
    const sink = collector();
    const script = `sleep 100 & echo $! > ${dir}/child; sh -c 'echo $$ > ${dir}/grandchild; exec sleep 100' & sleep 100`;
    const exit = await new CommandRun(run({ script, timeoutMs: 1000 }), sink, { killGraceMs: 200 }).done;
    assert.equal(exit.timedOut, true);
    assert.equal(exit.exitCode, null);
    assert.ok(exit.signal === 'SIGTERM' || exit.signal === 'SIGKILL', String(exit.signal));
    for (const f of ['child', 'grandchild']) {
      assert.ok(existsSync(join(dir, f)), `${f} started`);
      const pid = Number(readFileSync(join(dir, f), 'utf8'));
      // The group got SIGTERM before the shell was reaped; give the kernel a moment to reap.
      for (let i = 0; i < 200 && alive(pid); i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(alive(pid), false, `${f} ${pid} is gone`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('runner: while the link holds back, the pipes pause (backpressure), and resume when it drains', async () => {
  const held: Array<() => void> = [];
  let sentBytes = 0;
  let maxPending = 0;
  const sink: RunSink = {
    send(frame, written) {
      if (frame.type === 'runOutput') {
        sentBytes += Buffer.from(frame.data, 'base64').length;
        held.push(written);
        maxPending = Math.max(maxPending, held.length);
      }
      return true;
    },
  };
  const r = new CommandRun(run({ script: 'head -c 1000000 /dev/zero' }), sink, { highWater: 64 * 1024, lowWater: 16 * 1024 });
  const ended: { exit?: AgentRunExit } = {};
  void r.done.then((e) => (ended.exit = e));
  // Wait until the runner stops reading: no new output while nothing is confirmed.
  let last = -1;
  while (sentBytes !== last) {
    last = sentBytes;
    await new Promise((res) => setTimeout(res, 50));
  }
  assert.ok(sentBytes < 1_000_000, `paused after ${sentBytes} bytes`);
  assert.ok(sentBytes <= 64 * 1024 + 2 * 65536, `at most the high-water mark plus one read (${sentBytes})`);
  assert.equal(ended.exit, undefined, 'the process is blocked on its pipe, not finished');
  while (!ended.exit) {
    held.splice(0).forEach((w) => w());
    await new Promise((res) => setImmediate(res));
  }
  const final = await r.done;
  assert.equal(sentBytes, 1_000_000);
  assert.equal(final.exitCode, 0);
  assert.equal(final.truncated, false);
});
