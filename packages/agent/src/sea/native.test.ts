import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadEmbeddedAddon, materialise, nativeDirs, type EmbeddedAddon } from './native.js';
import { stateDirOf } from './pty.js';

const tmp = mkdtempSync(join(tmpdir(), 'meshwork-sea-native-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => join(tmp, `case-${++n}`);
const addonOf = (bytes: Uint8Array, name = 'pty'): EmbeddedAddon => ({ name, bytes, sha256: createHash('sha256').update(bytes).digest('hex') });
const fake = addonOf(Buffer.from('not really an addon'));
const mode = (p: string): number => statSync(p).mode & 0o777;

describe('materialise: the embedded addon as a private, checked file', () => {
  test('writes <dir>/<name>-<sha256>.node 0600 in a dir made 0700, then reuses it', () => {
    const dir = join(fresh(), 'native');
    const file = materialise(fake, dir);
    assert.equal(file, join(dir, `pty-${fake.sha256}.node`));
    assert.equal(mode(dir), 0o700);
    assert.equal(mode(file), 0o600);
    assert.deepEqual(readFileSync(file), Buffer.from(fake.bytes));
    const ino = statSync(file).ino;
    assert.equal(materialise(fake, dir), file);
    assert.equal(statSync(file).ino, ino, 'a matching file is not rewritten');
  });

  test('a tampered or too open file is replaced, never used', () => {
    const dir = fresh();
    const file = materialise(fake, dir);
    writeFileSync(file, 'evil');
    assert.deepEqual(readFileSync(materialise(fake, dir)), Buffer.from(fake.bytes));
    chmodSync(file, 0o644);
    materialise(fake, dir);
    assert.equal(mode(file), 0o600);
  });

  test('a symlink where the file goes is removed, not followed', () => {
    const dir = fresh();
    mkdirSync(dir, { mode: 0o700 });
    const target = join(tmp, `target-${n}`);
    writeFileSync(target, fake.bytes, { mode: 0o600 });
    symlinkSync(target, join(dir, `pty-${fake.sha256}.node`));
    const file = materialise(fake, dir);
    assert.ok(statSync(file).isFile());
    assert.ok(existsSync(target));
    assert.notEqual(statSync(file).ino, statSync(target).ino);
  });

  test('its dir is tightened to 0700 when ours, refused when a symlink or inside a shared non-sticky dir', () => {
    const open = fresh();
    mkdirSync(open, { mode: 0o755 });
    chmodSync(open, 0o755);
    materialise(fake, open);
    assert.equal(mode(open), 0o700);

    const real = fresh();
    mkdirSync(real, { mode: 0o700 });
    const link = fresh();
    symlinkSync(real, link);
    assert.throws(() => materialise(fake, link), /not a directory/);

    const shared = fresh();
    mkdirSync(shared);
    chmodSync(shared, 0o777);
    assert.throws(() => materialise(fake, join(shared, 'native')), /not a private directory/);
    const sticky = fresh();
    mkdirSync(sticky);
    chmodSync(sticky, 0o1777);
    assert.ok(materialise(fake, join(sticky, 'native')));
  });

  test('bytes that do not match the built-in hash are refused', () => {
    assert.throws(() => materialise({ ...fake, sha256: '0'.repeat(64) }, fresh()), /does not match its hash/);
  });
});

describe('loadEmbeddedAddon', () => {
  test('loads a real addon (node-pty) from its private copy, after a dir that does not work', () => {
    const require = createRequire(import.meta.url);
    const built = join(dirname(require.resolve('node-pty/package.json')), 'build', 'Release', 'pty.node');
    const addon = addonOf(readFileSync(built));
    const bad = fresh();
    writeFileSync(bad, 'a file, not a dir');
    const good = fresh();
    const pty = loadEmbeddedAddon(addon, [join(bad, 'native'), good]) as { fork?: unknown };
    assert.equal(typeof pty.fork, 'function');
    assert.ok(existsSync(join(good, `pty-${addon.sha256}.node`)));
  });
});

describe('where the addon goes', () => {
  test('the state dir from the command line, the default one for run, else only the temporary dir', () => {
    assert.equal(stateDirOf(['run', '--state', '/s']), '/s');
    assert.equal(stateDirOf(['status', '--state=/t']), '/t');
    assert.equal(stateDirOf(['run']), '/var/lib/meshwork-agent');
    assert.equal(stateDirOf(['--version']), undefined);
    assert.equal(stateDirOf(['run', '--', '--state', '/x']), '/var/lib/meshwork-agent');
    const dirs = nativeDirs('/s');
    assert.equal(dirs[0], '/s/native');
    assert.match(dirs[1] ?? '', /meshwork-agent-\d+-native$/);
    assert.equal(nativeDirs(undefined).length, 1);
  });
});
