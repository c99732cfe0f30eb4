/**
 * Multi-worker mode (`--workers N`, N > 1), the primary process. One process holds < 20,000
 * sockets here (file-descriptor limit), so a large fleet needs several; they share one port.
 *
 *   start     the composition root has already loaded the identity and opened (migrated) the store
 *             once, here; the primary clears presence left by a previous run — no worker is alive
 *             yet — then forks N workers (round-robin scheduling) that all listen on the same port,
 *             and resolves with the port once every one is `ready`
 *   bus       every worker's IpcBus goes through IpcBusHub here (events, devices, presence claims)
 *   splice    the private directory of the workers' relay splice sockets and the cluster key they
 *             prove to each other (splice-dir.ts), made here before forking, removed on stop
 *   crashes   a worker that dies is noticed here: its devices go offline and its presence rows are
 *             removed (recordWorkerLost), then it is restarted (RestartBackoff) with a new worker id
 *   stop      `shutdown` to every worker, wait for them to drain, kill the ones that did not
 *
 * The once-per-server work (serverUrls setting, setup link, cleanup timers, the `listening` line)
 * stays with the caller (main.ts), which runs it in this process.
 */
import cluster, { type Worker } from 'node:cluster';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { IpcBusHub } from '../bus/ipc-bus.js';
import type { ServerConfig } from '../config.js';
import { clearStalePresence, recordWorkerLost } from '../domain/agents/lifecycle.js';
import type { System } from '../system.js';
import { isWorkerMessage, WORKER_ID_ENV, WORKER_SLOT_ENV, type PrimaryMessage } from './messages.js';
import { RestartBackoff } from './restart.js';
import { createSplice, removeSplice, spliceEnv } from './splice-dir.js';
import type { SpliceConfig } from '../ws/relay/splice-auth.js';

const WORKER_MAIN = fileURLToPath(new URL('./worker-main.js', import.meta.url));
/** Shutdown: how long workers may drain before they are killed (main.ts gives up after 10 s). */
const DRAIN_MS = 8_000;
/** A crashed worker's devices: how long writing their offline records may take; the rest are only cleared. */
const LOST_BUDGET_MS = 5_000;

interface Slot {
  n: number;
  generation: number;
  worker: Worker | null;
  workerId: string;
  ready: boolean;
  startedAt: number;
  failure: string | null;
  restart: RestartBackoff;
  timer: NodeJS.Timeout | undefined;
}

interface Startup {
  ready(port: number): void;
  failed(message: string): void;
}

export class ClusterPrimary {
  readonly bus: IpcBusHub;
  private readonly slots: Slot[];
  private sys: System | null = null;
  private splice: SpliceConfig | null = null;
  private startup: Startup | null = null;
  private stopping = false;

  constructor(
    config: ServerConfig,
    private readonly argv: string[],
  ) {
    this.bus = new IpcBusHub(`${hostname()}-${process.pid}`, () => this.live());
    this.slots = Array.from({ length: config.workers }, (_, i) => ({
      n: i + 1, generation: 0, worker: null, workerId: '', ready: false, startedAt: 0, failure: null, restart: new RestartBackoff(), timer: undefined,
    }));
  }

  /** Forks the workers; resolves with the shared port once all listen, rejects (workers stopped) if one fails. */
  async start(sys: System): Promise<number> {
    this.sys = sys;
    const stale = await clearStalePresence(sys);
    if (stale > 0) sys.log.info({ devices: stale }, 'cleared presence left by a previous run');
    this.splice = createSplice(sys.config.dataDir);
    cluster.schedulingPolicy = cluster.SCHED_RR;
    cluster.setupPrimary({ exec: WORKER_MAIN, args: this.argv });
    return new Promise<number>((resolve, reject) => {
      let waiting = this.slots.length;
      this.startup = {
        ready: (port) => {
          if (--waiting > 0) return;
          this.startup = null;
          resolve(port);
        },
        failed: (message) => {
          this.startup = null;
          void this.stop().then(() => reject(new Error(message)));
        },
      };
      for (const s of this.slots) this.fork(s);
    });
  }

  /** Asks every worker to drain and waits for them; kills (and clears the presence of) stragglers. */
  async stop(): Promise<void> {
    this.stopping = true;
    const exits: Array<Promise<void>> = [];
    for (const s of this.slots) {
      clearTimeout(s.timer);
      const w = s.worker;
      if (!w || w.isDead()) continue;
      exits.push(new Promise<void>((resolve) => w.once('exit', () => resolve())));
      // A worker still starting has no drain handler yet: it has no agents either, so SIGTERM it.
      if (s.ready && w.isConnected()) w.send({ mw: 'ctl', type: 'shutdown' } satisfies PrimaryMessage);
      else w.process.kill('SIGTERM');
    }
    await settleWithin(Promise.all(exits), DRAIN_MS);
    const killed = this.slots.filter((s) => s.worker && !s.worker.isDead());
    for (const s of killed) {
      this.sys?.log.error({ worker: s.n, workerId: s.workerId }, 'worker did not drain in time; killing it');
      s.worker?.process.kill('SIGKILL');
    }
    await settleWithin(Promise.all(exits), 1_000);
    for (const s of killed) await this.sys?.store.clearPresenceOfWorker(s.workerId).catch(() => 0);
    if (this.splice) removeSplice(this.splice);
  }

  private *live(): Iterable<Worker> {
    for (const s of this.slots) if (s.worker) yield s.worker;
  }

  private fork(s: Slot): void {
    s.generation++;
    s.workerId = `${hostname()}-${process.pid}-w${s.n}.${s.generation}`;
    s.ready = false;
    s.failure = null;
    s.startedAt = Date.now();
    const workerId = s.workerId;
    const w = cluster.fork({ [WORKER_ID_ENV]: workerId, [WORKER_SLOT_ENV]: String(s.n), ...(this.splice ? spliceEnv(this.splice) : {}) });
    s.worker = w;
    w.on('message', (m: unknown) => this.onMessage(s, m));
    // An IPC send to a worker that just exited emits 'error'; without a listener it would throw here.
    w.on('error', (err: Error) => this.sys?.log.debug({ err, worker: s.n }, 'worker channel error'));
    w.once('exit', (code: number | null, signal: string | null) => this.onExit(s, w, workerId, code, signal));
  }

  private onMessage(s: Slot, m: unknown): void {
    if (this.bus.relay(m) || !isWorkerMessage(m)) return;
    if (m.type === 'ready') {
      s.ready = true;
      this.sys?.log.debug({ worker: s.n, workerId: s.workerId, port: m.port }, 'worker ready');
      this.startup?.ready(m.port);
      return;
    }
    s.failure = m.message;
    if (this.startup) this.startup.failed(m.message);
    else this.sys?.log.error({ worker: s.n, reason: m.message }, 'worker could not start');
  }

  private onExit(s: Slot, w: Worker, workerId: string, code: number | null, signal: string | null): void {
    if (s.worker === w) s.worker = null;
    if (this.stopping) return;
    const how = signal ?? `code ${String(code)}`;
    if (this.startup) {
      // The worker's `failed` line, if any, may still be on its way: give it a moment.
      const startup = this.startup;
      setTimeout(() => startup.failed(s.failure ?? `worker ${s.n} exited (${how}) before listening`), 200).unref();
      return;
    }
    const delay = s.restart.next(Date.now() - s.startedAt);
    this.sys?.log.error({ worker: s.n, workerId, exit: how, restartInMs: delay }, 'worker died; restarting it');
    void this.cleanUpAfter(workerId);
    s.timer = setTimeout(() => {
      s.timer = undefined;
      if (!this.stopping) this.fork(s);
    }, delay);
  }

  /** A dead worker's devices go offline and its presence rows go (agents reconnect elsewhere meanwhile). */
  private async cleanUpAfter(workerId: string): Promise<void> {
    const sys = this.sys;
    if (!sys) return;
    try {
      const r = await recordWorkerLost(sys, workerId, LOST_BUDGET_MS, () => performance.now());
      sys.log.info({ workerId, ...r }, 'presence of the dead worker cleared');
    } catch (err) {
      sys.log.error({ err, workerId }, 'clearing the presence of a dead worker failed');
    }
  }
}

/** Waits for `p`, but no longer than `ms`. */
async function settleWithin(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
