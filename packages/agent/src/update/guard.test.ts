// The rollback guard (`update-guard`, the unit's ExecStartPre) over fake version executables in a
// temporary root: a trial is counted start by start, and past its deadline or its third start
// `current` goes back to `good`, the failed version is deleted and `rolled-back` is recorded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fakeRoots } from '../service/testing/fake-versions.js';
import { MAX_TRIAL_STARTS, runGuard } from './guard.js';
import { readUpdateRecord, writeUpdateRecord } from './record.js';

const roots = fakeRoots();
const main = join(import.meta.dirname, '..', 'main.js');

function trialRoot(deadline: number, attempts = 0) {
  const r = roots();
  r.addVersion('1.0.0');
  r.addVersion('2.0.0', 70); // exits 70 at start, like a build with --test-fault exit-on-run
  r.link('2.0.0', '1.0.0');
  return { r, write: () => writeUpdateRecord(r.layout.state, { state: 'trial', from: '1.0.0', to: '2.0.0', deadline, attempts }) };
}

test('no update.json, or an outcome: the guard does nothing', async () => {
  const r = roots();
  r.addVersion('1.0.0');
  r.link('1.0.0', '1.0.0');
  assert.deepEqual(await runGuard(r.layout, r.layout.state), { action: 'none' });
  await writeUpdateRecord(r.layout.state, { state: 'updated', from: '0.9.0', to: '1.0.0', at: 1, reported: true });
  assert.deepEqual(await runGuard(r.layout, r.layout.state), { action: 'none' });
  assert.equal(readlinkSync(r.layout.current), 'versions/1.0.0');
});

test(`a version that never reaches the server: ${MAX_TRIAL_STARTS} starts, then back to good`, async () => {
  const { r, write } = trialRoot(Date.now() + 600_000);
  await write();
  for (let i = 1; i <= MAX_TRIAL_STARTS; i++) {
    assert.deepEqual(await runGuard(r.layout, r.layout.state), { action: 'trial', version: '2.0.0', attempt: i });
    assert.equal(readlinkSync(r.layout.current), 'versions/2.0.0');
  }
  const g = await runGuard(r.layout, r.layout.state);
  assert.equal(g.action, 'rolled-back');
  assert.equal(readlinkSync(r.layout.current), 'versions/1.0.0');
  assert.equal(readlinkSync(r.layout.good), 'versions/1.0.0');
  assert.equal(existsSync(join(r.layout.versions, '2.0.0')), false, 'the failed version is deleted');
  const rec = await readUpdateRecord(r.layout.state);
  assert.equal(rec?.state, 'rolled-back');
  assert.equal(rec?.state === 'rolled-back' && rec.reported, false);
  assert.match(rec?.state === 'rolled-back' ? (rec.reason ?? '') : '', /did not reach the server in 3 starts/);
  assert.deepEqual(await runGuard(r.layout, r.layout.state), { action: 'none' }, 'then the good version starts normally');
});

test('past the deadline: rolled back at the next start, by the CLI (`update-guard --root`), which exits 0', async () => {
  const { r, write } = trialRoot(Date.now() - 1, 1);
  await write();
  const res = spawnSync(process.execPath, [main, 'update-guard', '--state', r.layout.state, '--root', r.root], { encoding: 'utf8' });
  assert.equal(res.status, 0, res.stderr);
  assert.match(res.stderr, /rolled back to 1\.0\.0: version 2\.0\.0 did not reach the server within the trial \(1 start\)/);
  assert.equal(readlinkSync(r.layout.current), 'versions/1.0.0');
  // The good version now runs and the failed one never ran in this test.
  const ran = spawnSync(join(r.layout.current, 'meshwork-agent'), ['run'], { encoding: 'utf8' });
  assert.equal(ran.status, 0);
  assert.deepEqual(r.runs(), ['1.0.0 run']);
});

test('a guard that cannot read its state still exits 0 (the good version must start)', () => {
  const r = roots();
  r.addVersion('1.0.0');
  r.link('1.0.0', '1.0.0');
  mkdirSync(join(r.layout.state, 'update.json'), { recursive: true }); // a directory where the file should be
  const res = spawnSync(process.execPath, [main, 'update-guard', '--state', r.layout.state, '--root', r.root], { encoding: 'utf8' });
  assert.equal(res.status, 0);
  assert.match(res.stderr, /could not check the update state/);
});
