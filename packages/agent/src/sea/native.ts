/**
 * Native addons embedded in the agent executable (the pty). A single-executable application can
 * load an addon only from a file, so the embedded bytes are written once to
 * `<dir>/<name>-<sha256>.node` (dir 0700, file 0600, both owned by this user, neither a symlink),
 * checked against the hash built into the executable before every load, and `process.dlopen`ed.
 * A file that does not match (tampered, truncated by a crash) is replaced, never loaded.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, chmodSync, writeSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export type EmbeddedAddon = { name: string; sha256: string; bytes: Uint8Array };

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const uid = (): number => process.getuid?.() ?? -1;

/** A private directory: created 0700 if missing; refused if it is a symlink or another user's; tightened to 0700 if ours. */
export function privateDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  if (!st.isDirectory()) throw Object.assign(new Error(`${dir} is not a directory`), { code: 'ENOTDIR' });
  if (uid() >= 0 && st.uid !== uid()) throw Object.assign(new Error(`${dir} belongs to uid ${st.uid}, not to this user`), { code: 'EPERM' });
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
  return dir;
}

/** The file of `addon` in `dir`, written if missing or different; its bytes match `addon.sha256` when this returns. */
export function materialise(addon: EmbeddedAddon, dir: string): string {
  if (sha256(addon.bytes) !== addon.sha256) throw new Error(`embedded ${addon.name} addon does not match its hash`);
  checkParent(dirname(dir));
  privateDir(dir);
  const file = join(dir, `${addon.name}-${addon.sha256}.node`);
  if (matches(file, addon.sha256)) return file;
  const tmp = `${file}.tmp-${process.pid}`;
  rmSync(tmp, { force: true });
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, addon.bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  if (!matches(file, addon.sha256)) throw new Error(`${file} does not match its hash after writing it`);
  return file;
}

/** True when `file` is a regular file of ours, mode 0600 or tighter, whose bytes hash to `hex`. */
function matches(file: string, hex: string): boolean {
  let st;
  try {
    st = lstatSync(file);
  } catch {
    return false;
  }
  if (!st.isFile() || (uid() >= 0 && st.uid !== uid()) || (st.mode & 0o077) !== 0) {
    rmSync(file, { force: true });
    return false;
  }
  return sha256(readFileSync(file)) === hex;
}

/**
 * Where addons go: `<state dir>/native` when the command line names one (or `run` uses the default),
 * else — or when that does not work — `$TMPDIR/meshwork-agent-<uid>-native`. (One level below the
 * temporary dir, so that no directory another user could have made is on the path.)
 */
export function nativeDirs(stateDir: string | undefined): string[] {
  const fallback = join(tmpdir(), `meshwork-agent-${uid()}-native`);
  return stateDir ? [join(stateDir, 'native'), fallback] : [fallback];
}

/**
 * The dir holding the addon dir must be ours or root's, and writable by no one else unless it is
 * sticky (/tmp): nobody else may rename our entries in it.
 */
function checkParent(dir: string): void {
  let st;
  try {
    st = lstatSync(dir);
  } catch {
    return; // privateDir creates it 0700
  }
  const owner = st.uid === uid() || st.uid === 0 || uid() < 0;
  const shared = (st.mode & 0o022) !== 0 && (st.mode & 0o1000) === 0;
  if (!st.isDirectory() || !owner || shared) throw Object.assign(new Error(`${dir} is not a private directory`), { code: 'EPERM' });
}

/** Writes (if needed) and loads `addon`, trying `dirs` in order; the error of the last one if none works. */
export function loadEmbeddedAddon(addon: EmbeddedAddon, dirs: string[]): unknown {
  let last: unknown = new Error('no directory for native addons');
  for (const dir of dirs) {
    let file: string;
    try {
      file = materialise(addon, dir);
    } catch (e) {
      last = e;
      continue;
    }
    const m = { exports: {} as unknown };
    process.dlopen(m, file);
    return m.exports;
  }
  throw last;
}
