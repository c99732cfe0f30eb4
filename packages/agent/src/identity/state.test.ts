import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempStateDirs } from './testing/temp-dirs.js';
import { ensureStateDir, readState, StateFileError, STATE_FILE, writeFileAtomic, writeState } from './state.js';

const fresh = tempStateDirs('mw-state-');

test('the state dir is 0700 and files are 0600, even under a permissive umask', async () => {
  const dir = fresh();
  const old = process.umask(0o000);
  try {
    await ensureStateDir(dir);
    await writeState(dir, { version: 1 });
  } finally {
    process.umask(old);
  }
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  assert.equal(statSync(join(dir, STATE_FILE)).mode & 0o777, 0o600);
});

test('an existing looser state dir is tightened', async () => {
  const dir = fresh();
  await ensureStateDir(dir);
  chmodSync(dir, 0o755);
  await ensureStateDir(dir);
  assert.equal(statSync(dir).mode & 0o777, 0o700);
});

test('writes replace atomically and leave no temp files; sections of other owners survive', async () => {
  const dir = fresh();
  await ensureStateDir(dir);
  await writeState(dir, { version: 1, enrolment: { groupId: 'g' } });
  const s = await readState(dir);
  await writeState(dir, { ...s, note: 1 });
  assert.deepEqual(await readState(dir), { version: 1, enrolment: { groupId: 'g' }, note: 1 });
  assert.deepEqual(readdirSync(dir), [STATE_FILE]);
});

test('exclusive writes never overwrite', async () => {
  const dir = fresh();
  await ensureStateDir(dir);
  await writeFileAtomic(join(dir, 'k'), 'one', { exclusive: true });
  await assert.rejects(writeFileAtomic(join(dir, 'k'), 'two', { exclusive: true }), /EEXIST/);
  assert.deepEqual(readdirSync(dir), ['k']);
});

test('a missing state file reads as empty; a corrupt one is an error, not a fresh start', async () => {
  const dir = fresh();
  await ensureStateDir(dir);
  assert.deepEqual(await readState(dir), { version: 1 });
  writeFileSync(join(dir, STATE_FILE), '{"version":1,');
  await assert.rejects(readState(dir), StateFileError);
  writeFileSync(join(dir, STATE_FILE), '{"version":2}');
  await assert.rejects(readState(dir), StateFileError);
});
