/**
 * Test support: a stand-in for systemd running the installed unit, for roots where systemd is not
 * the init (tests, containers): before every start the guard from `good` (ExecStartPre), then
 * `current … run` with MESHWORK_AGENT_SERVICE=systemd (ExecStart), and after any exit a restart
 * (Restart=always) after `restartMs`. Paths are the layout's under its root; the executables find
 * their layout from their own path, as on a device.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Layout } from '../layout.js';

export interface Start {
  /** What `current` pointed to when the run started. */
  version: string;
  code: number | null;
  signal: string | null;
  /** The guard's stderr for this start. */
  guard: string;
}

export interface Supervisor {
  readonly starts: Start[];
  /** SIGTERM to the running agent, no more restarts. */
  stop(): Promise<void>;
}

export function supervise(layout: Layout, o: { env?: NodeJS.ProcessEnv; restartMs?: number; log?: (line: string) => void } = {}): Supervisor {
  const env = { ...process.env, ...o.env, MESHWORK_AGENT_SERVICE: 'systemd' };
  const starts: Start[] = [];
  let child: ChildProcess | undefined;
  let stopped = false;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (!stopped) {
      const guard = spawnSync(join(layout.good, 'meshwork-agent'), ['update-guard', '--state', layout.state], { env, encoding: 'utf8' });
      const version = spawnSync('readlink', [layout.current], { encoding: 'utf8' }).stdout.trim().replace(/^versions\//, '');
      const c = spawn(join(layout.current, 'meshwork-agent'), ['run', '--state', layout.state, '--log-level', 'debug'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      child = c;
      c.stderr?.on('data', (d: Buffer) => o.log?.(`[${version}] ${d.toString().trimEnd()}`));
      const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => c.once('exit', (cd, sg) => resolve([cd, sg])));
      starts.push({ version, code, signal, guard: `${guard.stderr ?? ''}`.trim() });
      o.log?.(`[supervisor] ${version} exited ${code ?? signal}`);
      if (stopped) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, o.restartMs ?? 3000);
      });
    }
  })();
  return {
    starts,
    stop: async () => {
      stopped = true;
      child?.kill('SIGTERM');
      wake?.();
      await loop;
    },
  };
}
