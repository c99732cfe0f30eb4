/**
 * The run lock: `agent.pid` in the state dir says which process runs the agent on it. Created
 * exclusively (mode 0600); a file left by a dead process is replaced. A pid is "alive" only when
 * the process exists and — where /proc tells — started at the time recorded, so a recycled pid
 * does not pass for the agent.
 */
import { readFileSync } from 'node:fs';
import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

export const LOCK_FILE = 'agent.pid';

const LockRecord = z.strictObject({ pid: z.number().int().positive(), startTime: z.string().max(32).nullable() });
export type LockRecord = z.infer<typeof LockRecord>;

export class AgentRunningError extends Error {
  override name = 'AgentRunningError';
  constructor(readonly pid: number, stateDir: string) {
    super(`another meshwork-agent (pid ${pid}) is running with the state dir ${stateDir}`);
  }
}

/** Field 22 of /proc/PID/stat (start time in clock ticks since boot), or null where there is no /proc. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // `pid (comm) state …`: comm may hold spaces and parentheses, so count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function isAlive(rec: LockRecord): boolean {
  if (!pidExists(rec.pid)) return false;
  if (rec.startTime === null) return true;
  const now = processStartTime(rec.pid);
  return now === null || now === rec.startTime;
}

async function readLock(stateDir: string): Promise<LockRecord | undefined> {
  let raw: string;
  try {
    raw = await readFile(join(stateDir, LOCK_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const r = LockRecord.safeParse(JSON.parse(raw));
    return r.success ? r.data : undefined;
  } catch {
    return undefined; // torn or foreign content: treated as stale
  }
}

/** The live process holding the state dir, if any. */
export async function lockHolder(stateDir: string): Promise<LockRecord | undefined> {
  const rec = await readLock(stateDir);
  return rec && isAlive(rec) ? rec : undefined;
}

export interface RunLock {
  readonly pid: number;
  release(): Promise<void>;
}

/** Takes the state dir for this process; throws AgentRunningError when a live agent holds it. */
export async function acquireLock(stateDir: string): Promise<RunLock> {
  const path = join(stateDir, LOCK_FILE);
  const me: LockRecord = { pid: process.pid, startTime: processStartTime(process.pid) };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await open(path, 'wx', 0o600);
      try {
        await fh.writeFile(JSON.stringify(me) + '\n');
        await fh.sync();
      } finally {
        await fh.close();
      }
      return {
        pid: me.pid,
        release: async () => {
          const now = await readLock(stateDir);
          if (now?.pid === me.pid) await unlink(path).catch(() => undefined);
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = await readLock(stateDir);
    if (holder && isAlive(holder)) throw new AgentRunningError(holder.pid, stateDir);
    await unlink(path).catch(() => undefined); // stale: its process is gone
  }
  throw new Error(`could not take ${path}; another agent may be starting`);
}
