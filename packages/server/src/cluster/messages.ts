/**
 * Control messages between the cluster primary and its workers, on the same IPC channel as the
 * bus envelopes (`mw: 'bus'`, bus/ipc-bus.ts) — these carry `mw: 'ctl'`.
 *
 *   worker → primary   ready   { port }      the worker listens (all workers share one port)
 *                      failed  { message }   the worker could not start (one user-facing line)
 *   primary → worker   shutdown              drain and exit 0 (SIGTERM/SIGINT reached the primary)
 */
export type WorkerMessage = { mw: 'ctl'; type: 'ready'; port: number } | { mw: 'ctl'; type: 'failed'; message: string };
export type PrimaryMessage = { mw: 'ctl'; type: 'shutdown' };

const ctl = (m: unknown): Record<string, unknown> | null =>
  typeof m === 'object' && m !== null && (m as { mw?: unknown }).mw === 'ctl' ? (m as Record<string, unknown>) : null;

export function isWorkerMessage(m: unknown): m is WorkerMessage {
  const o = ctl(m);
  if (!o) return false;
  if (o.type === 'ready') return typeof o.port === 'number';
  return o.type === 'failed' && typeof o.message === 'string';
}

export const isShutdownMessage = (m: unknown): m is PrimaryMessage => ctl(m)?.type === 'shutdown';

/** Environment the primary gives each worker: its bus/presence id and its slot (1..N). */
export const WORKER_ID_ENV = 'MESHWORK_WORKER_ID';
export const WORKER_SLOT_ENV = 'MESHWORK_WORKER_SLOT';

/** Response header naming the worker slot that answered (multi-worker mode only). */
export const WORKER_HEADER = 'x-meshwork-worker';
