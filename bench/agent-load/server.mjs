// The server under test: `meshwork server start` as a child process (its primary and, with
// --workers, the worker processes it forks), and CPU/RSS of those processes from /proc.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { childPids } from '../lib/proc.mjs';

const TICK_MS = 1000 / Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);

/** Starts the server and resolves once its `listening` line is printed (bounded: 60 s). */
export function startServer(cli, dataDir, workers, port) {
  const args = [cli, 'server', 'start', '--data', dataDir, '--port', String(port), '--workers', String(workers), '--log-level', 'info'];
  // MW_LOAD_SERVER_NODE_ARGS: node flags for the server only (e.g. --cpu-prof), for profiling.
  const nodeArgs = (process.env.MW_LOAD_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not listen within 60 s: ${err}`)), 60_000);
    let buf = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      // Always drained: a full pipe would block the server's synchronous log writes.
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (!line.includes('"msg":"listening"')) continue;
        clearTimeout(timer);
        const rec = JSON.parse(line);
        resolve({ child, port: rec.port, pids: () => [child.pid, ...childPids(child.pid)] });
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before listening: ${err}`)));
  });
}

/** SIGTERM, and resolves with the ms until the process exited (SIGKILL after 30 s). */
export function stopServer(server) {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const { child } = server;
    if (child.exitCode !== null || child.signalCode !== null) return resolve(0);
    const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve(performance.now() - t0);
    });
    child.kill('SIGTERM');
  });
}

/** CPU time (user + system, ms) and RSS (kB) of the processes, summed; and each one's. */
export function procStats(pids) {
  const perPid = [];
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cpuMs = (Number(f[11]) + Number(f[12])) * TICK_MS;
      const rssKb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
      perPid.push({ pid, cpuMs, rssKb, mallocKb: mallocHeapKb(pid) });
    } catch {
      /* exited */
    }
  }
  const total = (k) => perPid.reduce((n, p) => n + p[k], 0);
  return { cpuMs: total('cpuMs'), rssKb: total('rssKb'), mallocKb: total('mallocKb'), perPid };
}

/**
 * Resident kB of the process's main malloc arena (the `[heap]` mapping): native memory — OpenSSL's
 * per-connection state and Node's TLS buffers, SQLite — as opposed to V8's heap (anonymous mappings).
 */
function mallocHeapKb(pid) {
  let kb = 0;
  for (const block of readFileSync(`/proc/${pid}/smaps`, 'utf8').split(/\n(?=[0-9a-f]+-[0-9a-f]+ )/)) {
    if (!block.slice(0, block.indexOf('\n')).endsWith('[heap]')) continue;
    kb += Number(/\nRss:\s+(\d+) kB/.exec(block)?.[1] ?? 0);
  }
  return kb;
}
