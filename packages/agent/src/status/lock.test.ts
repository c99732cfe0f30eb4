import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureStateDir } from '../identity/state.js';
import { tempStateDirs } from '../identity/testing/temp-dirs.js';
import { acquireLock, AgentRunningError, isAlive, LOCK_FILE, lockHolder, processStartTime } from './lock.js';
import { readStatusFile, StatusWriter, STATUS_FILE } from './status-file.js';

const fresh = tempStateDirs('mw-lock-');

test('one holder at a time; released on request; the file is 0600', async () => {
  const dir = fresh();
  await ensureStateDir(dir);
  const lock = await acquireLock(dir);
  assert.equal(statSync(join(dir, LOCK_FILE)).mode & 0o777, 0o600);
  assert.equal((await lockHolder(dir))?.pid, process.pid);
  await assert.rejects(acquireLock(dir), (e: unknown) => e instanceof AgentRunningError && e.pid === process.pid);
  await lock.release();
  assert.equal(await lockHolder(dir), undefined);
  await (await acquireLock(dir)).release();
});

test('a lock left by a dead process, or garbage, is stale and replaced', async () => {
  const dir = fresh();
  await ensureStateDir(dir);
  const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: Number(dead.stdout.trim()), startTime: null }));
  assert.equal(await lockHolder(dir), undefined);
  await (await acquireLock(dir)).release();
  writeFileSync(join(dir, LOCK_FILE), 'not json');
  assert.equal(await lockHolder(dir), undefined);
  await (await acquireLock(dir)).release();
});

test('a recycled pid (same pid, another start time) does not pass for the agent', () => {
  const me = processStartTime(process.pid);
  assert.notEqual(me, null, 'this test runs on Linux with /proc');
  assert.equal(isAlive({ pid: process.pid, startTime: me }), true);
  assert.equal(isAlive({ pid: process.pid, startTime: `${me}1` }), false);
});

test('status writes coalesce: the last update wins, at most one pending', async () => {
  const dir = fresh();
  await ensureStateDir(dir);
  const w = new StatusWriter(dir);
  for (let i = 0; i < 1000; i++) {
    w.update({ connected: i % 2 === 0, lastError: `e${i}` });
    assert.ok(w.queued() <= 2);
  }
  await w.flush();
  assert.equal(w.queued(), 0);
  const s = await readStatusFile(dir);
  assert.equal(s?.lastError, 'e999');
  assert.equal(s?.connected, false);
  assert.equal(statSync(join(dir, STATUS_FILE)).mode & 0o777, 0o600);
});
