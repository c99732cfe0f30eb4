/**
 * The relay splice directory and cluster key of one primary (ws/relay/splice-auth.ts says why
 * both). The primary makes the directory fresh with a random name — under the data dir, else
 * `$XDG_RUNTIME_DIR`, else the system's temporary directory, the first where a socket path fits
 * (Unix socket paths are limited to 104–108 bytes) — checks it, and gives it and the key to each
 * worker in its environment; the worker takes both out of its environment at once (children it
 * may start do not inherit them). The primary removes the directory when it stops; one left behind
 * by a primary that was killed (its workers remove their sockets as they exit) is removed by the
 * next start once it is empty and its primary's pid is gone.
 */
import { mkdtempSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertPrivateDir, newSpliceKey, SPLICE_KEY_BYTES, type SpliceConfig } from '../ws/relay/splice-auth.js';

export const SPLICE_DIR_ENV = 'MESHWORK_RELAY_SPLICE_DIR';
export const SPLICE_KEY_ENV = 'MESHWORK_RELAY_SPLICE_KEY';

/** Longest socket path we create: within macOS's 104 bytes (Linux allows 108). */
const MAX_SOCKET_PATH = 103;
/** `splice-PID-XXXXXX/w9999.sock`: what the directory name and a socket name add to the parent. */
const ADDED = '/splice-4194304-XXXXXX/w9999.sock'.length;
const LEFT_BEHIND = /^splice-(\d+)-[A-Za-z0-9]{6}$/;

/** Makes the primary's directory and key. Throws (a start failure) when no place is usable. */
export function createSplice(dataDir: string, env: NodeJS.ProcessEnv = process.env): SpliceConfig {
  const parents = [dataDir, env.XDG_RUNTIME_DIR, tmpdir()].filter((p): p is string => !!p && p.length + ADDED <= MAX_SOCKET_PATH);
  const parent = parents[0];
  if (parent === undefined) throw new Error(`no directory short enough for the relay splice sockets (the data dir ${dataDir} is too long a path)`);
  removeLeftBehind(parent);
  const dir = mkdtempSync(join(parent, `splice-${process.pid}-`));
  try {
    assertPrivateDir(dir);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return { dir, key: newSpliceKey() };
}

/** Empty splice directories of primaries that no longer run (rmdir: never one with sockets in it). */
function removeLeftBehind(parent: string): void {
  for (const name of readdirSync(parent)) {
    const pid = Number(LEFT_BEHIND.exec(name)?.[1] ?? NaN);
    if (!Number.isInteger(pid) || pid === process.pid || alive(pid)) continue;
    try {
      rmdirSync(join(parent, name));
    } catch {
      // not empty, not ours, or already gone: leave it
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const removeSplice = (s: SpliceConfig): void => rmSync(s.dir, { recursive: true, force: true });

/** The environment entries a worker gets. */
export const spliceEnv = (s: SpliceConfig): Record<string, string> => ({ [SPLICE_DIR_ENV]: s.dir, [SPLICE_KEY_ENV]: s.key.toString('base64') });

/** A worker's splice settings, removed from `env`; null when absent or malformed. */
export function takeSpliceEnv(env: NodeJS.ProcessEnv): SpliceConfig | null {
  const dir = env[SPLICE_DIR_ENV];
  const key = Buffer.from(env[SPLICE_KEY_ENV] ?? '', 'base64');
  delete env[SPLICE_DIR_ENV];
  delete env[SPLICE_KEY_ENV];
  return dir && key.length === SPLICE_KEY_BYTES ? { dir, key } : null;
}
