/**
 * Puts an offered version in place and makes it current:
 *
 *   versions/<v>/meshwork-agent.tmp   downloaded, size + SHA-256 checked, fsynced (download.ts)
 *   chmod 0755, rename to meshwork-agent, fsync the dir
 *   `<new> --version`                 must print <v> (the file really is that agent and runs here)
 *   update.json                       { state: 'trial', from, to, deadline, attempts: 0 }
 *   current → versions/<v>            one rename of a new symlink
 *
 * Any failure before the swap removes what was staged and leaves update.json as it was.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, rename, rm, unlink } from 'node:fs/promises';
import type { UpdateOffer } from '@meshwork/protocol/session/index';
import { fsyncDir, linkedVersion, replaceSymlink, versionTarget } from '../service/links.js';
import { versionDir, versionExecutable, type Layout } from '../service/layout.js';
import { downloadTo } from './download.js';
import { removeUpdateRecord, writeUpdateRecord } from './record.js';
import { UpdateRefusal } from './verify.js';

/** How long `<new> --version` may take (a first start on a slow board, or under emulation). */
const SANITY_TIMEOUT_MS = 120_000;

export type StageStep = 'downloading' | 'verifying' | 'installing';

export interface StageOptions {
  layout: Layout;
  stateDir: string;
  offer: UpdateOffer;
  url: URL;
  /** The running version (update.json `from`). */
  from: string;
  trialMs: number;
  step(s: StageStep): void;
  now?: () => number;
}

/** Runs `<exe> --version` and returns what it printed (trimmed). */
export function versionOf(exe: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(exe, ['--version'], { timeout: SANITY_TIMEOUT_MS, env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' }, maxBuffer: 4096 }, (err, stdout) => {
      if (err) reject(new UpdateRefusal(`the new executable did not run: ${err.message.split('\n')[0]?.slice(0, 200) ?? ''}`));
      else resolve(stdout.trim());
    });
  });
}

export async function stageAndSwap(o: StageOptions): Promise<void> {
  const { layout, offer } = o;
  const current = await linkedVersion(layout.current);
  const good = await linkedVersion(layout.good);
  if (offer.version === current || offer.version === good) throw new UpdateRefusal(`version ${offer.version} is the current or last good version`);
  const dir = versionDir(layout, offer.version);
  const exe = versionExecutable(layout, offer.version);
  const tmp = `${exe}.tmp`;
  await rm(dir, { recursive: true, force: true }); // a leftover of an earlier attempt
  await mkdir(dir, { recursive: true, mode: 0o755 });
  await chmod(dir, 0o755);
  let swapped = false;
  try {
    o.step('downloading');
    await downloadTo(o.url, tmp, offer.size, offer.sha256);
    o.step('verifying');
    await chmod(tmp, 0o755);
    await rename(tmp, exe);
    await fsyncDir(dir);
    const printed = await versionOf(exe);
    if (printed !== offer.version) throw new UpdateRefusal(`the new executable says it is version ${JSON.stringify(printed.slice(0, 64))}, not ${offer.version}`);
    o.step('installing');
    const now = o.now?.() ?? Date.now();
    await writeUpdateRecord(o.stateDir, { state: 'trial', from: o.from, to: offer.version, deadline: now + o.trialMs, attempts: 0 });
    try {
      await replaceSymlink(layout.current, versionTarget(offer.version));
      swapped = true;
    } catch (e) {
      await removeUpdateRecord(o.stateDir);
      throw e;
    }
  } finally {
    if (!swapped) {
      await unlink(tmp).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
  }
}
