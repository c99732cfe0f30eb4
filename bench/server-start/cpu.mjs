// Helpers shared by run.mjs and ab.mjs: a process's CPU time, and whether a CLI entry will load
// from its start-up bundle (packages/cli/src/bundle.ts).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const CLK_TCK = 100; // Linux USER_HZ

/** utime + stime of a process (all its threads) so far, in ms, from /proc/PID/stat. */
export function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
}

/** 'bundle', 'dist (no fresh bundle)' or 'no bundle support', for the CLI main.js at `entry`. */
export async function loadsFrom(entry, env = process.env) {
  const mod = join(dirname(entry), 'bundle.js');
  if (!existsSync(mod)) return 'no bundle support';
  const { freshBundle } = await import(mod);
  return freshBundle(env) ? 'bundle' : 'dist (no fresh bundle)';
}
