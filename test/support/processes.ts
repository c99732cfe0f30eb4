/**
 * Real processes for end-to-end tests: the `meshwork` CLI (local mode and `server start`) and the
 * `meshwork-agent` program, each run with `node <dist/main.js>` in a clean environment. Every
 * long-running child is registered in a ProcessSet so an `after` hook can kill what is left,
 * also when a test failed half-way.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './poll.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const CLI_MAIN = join(ROOT, 'packages/cli/dist/main.js');
export const AGENT_MAIN = join(ROOT, 'packages/agent/dist/main.js');

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The environment without any MESHWORK_* setting of the machine running the tests (nor node:test's marker). */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('MESHWORK_') && k !== 'NODE_TEST_CONTEXT') env[k] = v;
  return { ...env, ...extra };
}

/** A started child process with its output so far and a promise of its end. */
export class Proc {
  readonly exited: Promise<Result>;
  private out = '';
  private err = '';

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    child.stdout?.on('data', (d: Buffer) => (this.out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.err += d.toString()));
    this.exited = new Promise((resolve) => {
      child.once('error', (e) => {
        this.err += `spawn error: ${e.message}\n`;
      });
      child.once('close', (code, signal) => resolve({ code, signal, stdout: this.out, stderr: this.err }));
    });
  }

  get stdout(): string {
    return this.out;
  }

  get stderr(): string {
    return this.err;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM, then SIGKILL when it has not exited within `graceMs`. */
  async stop(graceMs = 10_000): Promise<Result> {
    if (this.running) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      const r = await this.exited;
      clearTimeout(timer);
      return r;
    }
    return this.exited;
  }

  /** The last lines of both streams, for failure messages. */
  tail(chars = 3000): string {
    return `--- ${this.name} stdout\n${this.out.slice(-chars)}\n--- ${this.name} stderr\n${this.err.slice(-chars)}`;
  }
}

/** The long-running children of one test file; `killAll()` belongs in an `after` hook. */
export class ProcessSet {
  private readonly procs = new Set<Proc>();

  spawn(name: string, args: string[], env: NodeJS.ProcessEnv): Proc {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const p = new Proc(name, child);
    this.procs.add(p);
    void p.exited.then(() => this.procs.delete(p));
    return p;
  }

  async killAll(): Promise<void> {
    await Promise.all([...this.procs].map((p) => p.stop(2000)));
  }
}

/** Runs `meshwork ARGS` to completion (stdin: `input`, e.g. a password line). */
export function meshwork(args: string[], input = ''): Promise<Result> {
  const child = spawn(process.execPath, [CLI_MAIN, ...args], { cwd: ROOT, env: cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
  const p = new Proc('meshwork', child);
  child.stdin?.end(input);
  return p.exited;
}

/** `meshwork ARGS`, which must exit 0; resolves with its stdout. */
export async function meshworkOk(args: string[], input = ''): Promise<string> {
  const r = await meshwork(args, input);
  if (r.code !== 0) throw new Error(`meshwork ${args.join(' ')} exited ${r.code}:\n${r.stderr}`);
  return r.stdout;
}

export async function meshworkJson<T>(args: string[]): Promise<T> {
  return JSON.parse(await meshworkOk([...args, '--json'])) as T;
}

/** A `meshwork server start` child with the port it bound. */
export interface ServerProc {
  proc: Proc;
  port: number;
  url: string;
}

/**
 * Starts `meshwork server start --port PORT --data DIR` (PORT 0: any free port) and resolves once
 * its JSON 'listening' log line names the bound port. `onSpawn` runs right after the process is
 * created (its pid is known, it has not started serving yet).
 */
export async function startServer(procs: ProcessSet, dataDir: string, port = 0, extraArgs: string[] = [], onSpawn?: (proc: Proc) => void): Promise<ServerProc> {
  const proc = procs.spawn('server', [CLI_MAIN, 'server', 'start', '--port', String(port), '--host', '127.0.0.1', '--data', dataDir, ...extraArgs], cleanEnv());
  onSpawn?.(proc);
  const bound = await waitFor(
    "the server's 'listening' log line",
    () => {
      if (!proc.running) throw new Error(`the server exited before listening\n${proc.tail()}`);
      for (const line of proc.stdout.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const rec = JSON.parse(line) as { msg?: unknown; port?: unknown };
          if (rec.msg === 'listening' && typeof rec.port === 'number') return rec.port;
        } catch {
          /* a partial line: wait for the rest */
        }
      }
      return undefined;
    },
    { timeoutMs: 60_000, describe: () => proc.tail() },
  );
  return { proc, port: bound, url: `https://127.0.0.1:${bound}` };
}
