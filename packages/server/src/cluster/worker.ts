/**
 * The worker side of multi-worker mode: who this worker is (slot and id, from the primary's
 * environment, with the relay splice directory and key: splice-dir.ts), its bus (IpcBus through the primary), and its part of the control protocol —
 * `ready` once listening, `failed` when it cannot start, and draining on the primary's `shutdown`
 * or when the primary is gone (IPC channel closed), so no worker outlives its primary.
 */
import cluster from 'node:cluster';
import { IpcBus } from '../bus/ipc-bus.js';
import type { ServerConfig } from '../config.js';
import type { SpliceConfig } from '../ws/relay/splice-auth.js';
import { isShutdownMessage, WORKER_ID_ENV, WORKER_SLOT_ENV, type WorkerMessage } from './messages.js';
import { takeSpliceEnv } from './splice-dir.js';

/** A worker that does not finish draining in this time exits 1 (the primary would kill it soon after). */
const DRAIN_LIMIT_MS = 9_500;

export interface WorkerContext {
  /** 1..N, stable across restarts of that worker. */
  slot: number;
  /** Unique per worker process (a restarted worker gets a new one); recorded in presence rows. */
  workerId: string;
  bus: IpcBus;
  /** The primary's relay splice directory and cluster key (taken out of the environment). */
  splice: SpliceConfig;
  ready(port: number): void;
  /** Runs `stop` when the primary says `shutdown` or disappears, then exits (0, or 1 if stop failed). */
  onShutdown(stop: () => Promise<void>): void;
}

/** This process's worker context, or null when it is not a Meshwork cluster worker. */
export function clusterWorker(env: NodeJS.ProcessEnv = process.env): WorkerContext | null {
  const workerId = env[WORKER_ID_ENV];
  const slot = Number(env[WORKER_SLOT_ENV]);
  if (!cluster.isWorker || !workerId || !Number.isInteger(slot) || slot < 1) return null;
  const splice = takeSpliceEnv(env);
  if (!splice) throw new Error('the cluster primary gave this worker no relay splice directory and key');
  return {
    slot,
    workerId,
    splice,
    bus: new IpcBus(workerId),
    ready: (port) => send({ mw: 'ctl', type: 'ready', port }),
    onShutdown(stop) {
      let started = false;
      const drain = (): void => {
        if (started) return;
        started = true;
        setTimeout(() => process.exit(1), DRAIN_LIMIT_MS).unref();
        stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.on('message', (m) => isShutdownMessage(m) && drain());
      process.on('disconnect', drain);
    },
  };
}

const send = (m: WorkerMessage, done?: () => void): void => {
  if (!process.send) return done?.();
  process.send(m, undefined, undefined, () => done?.());
};

/** Tells the primary this worker could not start (one user-facing line); `done` once it is sent. */
export function reportStartFailure(message: string, done: () => void): void {
  send({ mw: 'ctl', type: 'failed', message }, done);
}

/**
 * The agent admission limits are for the whole server: each of N workers admits 1/N of them
 * (rounded up), so that N workers do not let N times as many handshakes in at once as configured.
 * The per-source caps of pending connections are not divided: the primary hands a connection to
 * whichever worker is free first, not in strict turn, so under load one worker may get most of a
 * burst from one address — with halved caps, 60 parallel logins from one address on 2 workers had
 * some reset at accept. Each worker applies the whole cap to what it holds (a source can then hold
 * up to N × the cap across N workers: still bounded, and each worker's queue stays fair).
 */
export function workerShare(config: ServerConfig): ServerConfig {
  const n = config.workers;
  const share = (v: number): number => Math.max(1, Math.ceil(v / n));
  return {
    ...config,
    agentHandshakeRate: share(config.agentHandshakeRate),
    agentHandshakeBurst: share(config.agentHandshakeBurst),
    agentMaxPendingHandshakes: share(config.agentMaxPendingHandshakes),
    agentMaxHeld: share(config.agentMaxHeld),
  };
}
