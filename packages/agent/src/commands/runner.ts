/**
 * One `run` on this device: a child process, its output streamed as `runOutput` frames, its end as
 * one `runExit`.
 *
 *   argv      spawned directly (argv[0] looked up on PATH); no shell ever sees the arguments
 *   script    `/bin/sh -c SCRIPT` — the only way a shell is involved
 *   env, cwd  a minimal environment (runEnv) and the agent user's home, else the temp dir
 *   output    the exact bytes, base64, ≤ RUN_OUTPUT_CHUNK_BYTES per frame; at most maxOutputBytes
 *             in total (the rest is read and dropped, `truncated`); while more than HIGH_WATER
 *             bytes wait for the socket the pipes are paused, so a slow link slows the process
 *   timeout   SIGTERM to the whole process group, SIGKILL KILL_GRACE_MS later; `timedOut`
 *   exit      after the process exited and its pipes closed (or EXIT_DRAIN_MS after it exited,
 *             when a background child still holds them)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import os from 'node:os';
import type { Readable } from 'node:stream';
import { RUN_OUTPUT_CHUNK_BYTES, type AgentCommandFrame, type AgentRunExit, type OutputStream, type ServerRun } from '@meshwork/protocol/commands/frames';
import { text } from '../inventory/sanitize.js';

/** Where the runner sends its frames (the live session's command link). */
export interface RunSink {
  /** false: the session is gone, the frame was dropped. `written` runs once the frame left for the socket. */
  send(frame: AgentCommandFrame, written: () => void): boolean;
}

export interface RunnerOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  shell?: string;
  highWater?: number;
  lowWater?: number;
  killGraceMs?: number;
  exitDrainMs?: number;
}

export const HIGH_WATER = 256 * 1024;
export const LOW_WATER = 64 * 1024;
export const KILL_GRACE_MS = 2_000;
export const EXIT_DRAIN_MS = 2_000;
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The agent's user (a uid without a passwd entry has no name: then only the uid and the temp dir). */
function agentUser(): { name: string; home: string } {
  try {
    const u = os.userInfo();
    return { name: u.username, home: u.homedir };
  } catch {
    return { name: String(process.getuid?.() ?? ''), home: os.tmpdir() };
  }
}

/** The environment a command runs with: PATH, HOME, USER/LOGNAME, LANG — nothing of the agent's own. */
export function runEnv(agentEnv: NodeJS.ProcessEnv, runId: string): NodeJS.ProcessEnv {
  const user = agentUser();
  return {
    PATH: DEFAULT_PATH,
    HOME: user.home,
    USER: user.name,
    LOGNAME: user.name,
    LANG: agentEnv.LANG ?? 'C.UTF-8',
    MESHWORK_RUN_ID: runId,
  };
}

/** The agent user's home directory when it exists, else the temp dir. */
export function runCwd(): string {
  const home = agentUser().home;
  try {
    if (home && existsSync(home) && statSync(home).isDirectory()) return home;
  } catch {
    // fall through
  }
  return os.tmpdir();
}

function spawnError(file: string, e: NodeJS.ErrnoException): string {
  if (e.code === 'ENOENT') return text(`${file}: command not found`, 256);
  if (e.code === 'EACCES') return text(`${file}: permission denied`, 256);
  return text(`${file}: ${e.message}`, 256);
}

export class CommandRun {
  readonly done: Promise<AgentRunExit>;
  private readonly child: ChildProcess;
  private readonly started = Date.now();
  private sent = 0;
  private waiting = 0;
  private paused = false;
  private truncated = false;
  private timedOut = false;
  private error: string | null = null;
  private exited = false;
  private finished = false;
  private timers: NodeJS.Timeout[] = [];
  private resolveDone!: (exit: AgentRunExit) => void;

  constructor(
    private readonly frame: ServerRun,
    private readonly sink: RunSink,
    private readonly o: RunnerOptions = {},
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    const [file, args] = frame.argv ? [frame.argv[0] ?? '', frame.argv.slice(1)] : [o.shell ?? '/bin/sh', ['-c', frame.script ?? '']];
    this.child = spawn(file, args, {
      cwd: o.cwd ?? runCwd(),
      env: o.env ?? runEnv(process.env, frame.runId),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, so the whole tree can be signalled
      windowsHide: true,
    });
    this.child.on('error', (e: NodeJS.ErrnoException) => {
      if (this.child.pid === undefined) {
        this.error = spawnError(file, e);
        this.finish(null, null);
      }
    });
    this.child.stdout?.on('data', (c: Buffer) => this.onData('stdout', c));
    this.child.stderr?.on('data', (c: Buffer) => this.onData('stderr', c));
    this.child.on('exit', () => {
      this.exited = true;
      this.later(() => this.drainPipes(), o.exitDrainMs ?? EXIT_DRAIN_MS);
    });
    this.child.on('close', (code, signal) => this.finish(code, signal));
    this.later(() => this.onTimeout(), frame.timeoutMs);
  }

  get runId(): string {
    return this.frame.runId;
  }

  /** Ends the process group now (agent shutdown). The exit is still reported if the link lives. */
  kill(): void {
    this.signal('SIGTERM');
    this.later(() => this.signal('SIGKILL'), this.o.killGraceMs ?? KILL_GRACE_MS);
  }

  /** The link is gone: nothing in flight will be confirmed any more, so stop waiting for it. */
  linkClosed(): void {
    this.waiting = 0;
    this.resume();
  }

  private onData(stream: OutputStream, chunk: Buffer): void {
    const room = this.frame.maxOutputBytes - this.sent;
    if (room <= 0) {
      if (chunk.length > 0) this.truncated = true;
      return; // keep reading so the process never blocks on a pipe nobody empties
    }
    const data = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (data.length < chunk.length) this.truncated = true;
    this.sent += data.length;
    for (let i = 0; i < data.length; i += RUN_OUTPUT_CHUNK_BYTES) {
      const part = data.subarray(i, i + RUN_OUTPUT_CHUNK_BYTES);
      const n = part.length;
      this.waiting += n;
      const ok = this.sink.send({ type: 'runOutput', runId: this.frame.runId, stream, data: part.toString('base64') }, () => {
        this.waiting = Math.max(0, this.waiting - n);
        if (this.waiting <= (this.o.lowWater ?? LOW_WATER)) this.resume();
      });
      if (!ok) this.waiting = Math.max(0, this.waiting - n);
    }
    if (this.waiting >= (this.o.highWater ?? HIGH_WATER)) this.pause();
  }

  private pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.child.stdout?.pause();
    this.child.stderr?.pause();
  }

  private resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.child.stdout?.resume();
    this.child.stderr?.resume();
  }

  private onTimeout(): void {
    if (this.finished) return;
    this.timedOut = true;
    this.kill();
  }

  /** The process exited but a background child still holds its pipes: stop reading them. */
  private drainPipes(): void {
    if (this.finished || !this.exited) return;
    this.child.stdout?.destroy();
    this.child.stderr?.destroy();
  }

  private signal(sig: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined || this.finished) return;
    try {
      process.kill(-pid, sig); // the process group: the command and everything it started
    } catch {
      try {
        this.child.kill(sig);
      } catch {
        // already gone
      }
    }
  }

  private later(fn: () => void, ms: number): void {
    const t = setTimeout(fn, ms);
    t.unref();
    this.timers.push(t);
  }

  private finish(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.finished) return;
    this.finished = true;
    for (const t of this.timers) clearTimeout(t);
    for (const s of [this.child.stdout, this.child.stderr] as (Readable | null)[]) s?.destroy();
    const exit: AgentRunExit = {
      type: 'runExit',
      runId: this.frame.runId,
      exitCode: this.error === null && code !== null ? code & 255 : null,
      signal: this.error === null && signal !== null && /^SIG[A-Z0-9]{1,12}$/.test(signal) ? signal : null,
      timedOut: this.timedOut,
      truncated: this.truncated,
      error: this.error,
      durationMs: Math.max(0, Date.now() - this.started),
    };
    this.sink.send(exit, () => undefined);
    this.resolveDone(exit);
  }
}
