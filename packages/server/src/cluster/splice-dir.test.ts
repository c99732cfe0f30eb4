import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createSplice, removeSplice, spliceEnv, SPLICE_DIR_ENV, SPLICE_KEY_ENV, takeSpliceEnv } from './splice-dir.js';

const root = mkdtempSync(join(tmpdir(), 'mw-splice-dir-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('each primary gets a fresh private directory with a random name under the data dir, and its own key', () => {
  const a = createSplice(root, {});
  const b = createSplice(root, {});
  assert.equal(dirname(a.dir), root);
  assert.notEqual(a.dir, b.dir, 'never an existing directory');
  assert.notDeepEqual(a.key, b.key);
  assert.equal(a.key.length, 32);
  const st = lstatSync(a.dir);
  assert.ok(st.isDirectory() && !st.isSymbolicLink());
  assert.equal(st.mode & 0o777, 0o700);
  assert.equal(st.uid, process.getuid?.());
  removeSplice(a);
  removeSplice(b);
  assert.throws(() => lstatSync(a.dir), /ENOENT/);
});

test('a data dir too long for socket paths falls back to XDG_RUNTIME_DIR, then the temporary directory', () => {
  const long = join(root, 'x'.repeat(100));
  const runtime = mkdtempSync(join(root, 'rt-'));
  const viaRuntime = createSplice(long, { XDG_RUNTIME_DIR: runtime });
  assert.equal(dirname(viaRuntime.dir), runtime);
  const viaTmp = createSplice(long, {});
  assert.equal(dirname(viaTmp.dir), tmpdir());
  removeSplice(viaRuntime);
  removeSplice(viaTmp);
});

test('the worker takes the directory and key out of its environment', () => {
  const s = createSplice(root, {});
  const env: NodeJS.ProcessEnv = { OTHER: '1', ...spliceEnv(s) };
  assert.deepEqual(takeSpliceEnv(env), s);
  assert.equal(env[SPLICE_DIR_ENV], undefined);
  assert.equal(env[SPLICE_KEY_ENV], undefined);
  assert.equal(env.OTHER, '1');
  assert.equal(takeSpliceEnv({ [SPLICE_DIR_ENV]: s.dir, [SPLICE_KEY_ENV]: 'c2hvcnQ=' }), null, 'a short key');
  removeSplice(s);
});

test('an empty directory left by a primary that is gone is removed; a live or non-empty one is kept', () => {
  const parent = mkdtempSync(join(root, 'left-'));
  const dead = spawnSync(process.execPath, ['-e', '']).pid;
  const gone = join(parent, `splice-${dead}-abc123`);
  const busy = join(parent, `splice-${dead}-def456`);
  const live = join(parent, `splice-${process.ppid}-ghi789`);
  for (const d of [gone, busy, live]) mkdirSync(d, { mode: 0o700 });
  writeFileSync(join(busy, 'w1.sock'), '');
  const s = createSplice(parent, {});
  assert.deepEqual([existsSync(gone), existsSync(busy), existsSync(live)], [false, true, true]);
  assert.match(s.dir, new RegExp(`/splice-${process.pid}-[A-Za-z0-9]{6}$`));
  removeSplice(s);
});
