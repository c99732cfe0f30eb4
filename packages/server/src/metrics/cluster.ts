/**
 * /metrics for the whole server when it runs as several worker processes (--workers N): the worker
 * that answers asks every worker for its own exposition over the bus (channel `metrics`) and
 * merges them, each sample labelled `worker="<slot>"`. A scrape reaching any worker therefore
 * sees all of them (Prometheus cannot choose the worker behind a shared port). Workers that do not
 * answer within `timeoutMs` are left out and counted in `meshwork_metrics_workers_missing`.
 *
 *   request  { type: 'metricsRequest', id }                      any worker → all
 *   reply    { type: 'metricsReply', id, worker, text }           each worker → all (the asker keeps its own id)
 */
import { randomBytes } from 'node:crypto';
import type { Bus } from '../bus/bus.js';

export const METRICS_CHANNEL = 'metrics';
/** Upper bound of one worker's exposition on the bus (the families are capped; this is far above). */
const MAX_TEXT = 4 * 1024 * 1024;

interface MetricsRequest {
  type: 'metricsRequest';
  id: string;
}
interface MetricsReply {
  type: 'metricsReply';
  id: string;
  worker: string;
  text: string;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isRequest = (m: unknown): m is MetricsRequest => isObj(m) && m.type === 'metricsRequest' && typeof m.id === 'string' && m.id.length <= 64;
const isReply = (m: unknown): m is MetricsReply =>
  isObj(m) && m.type === 'metricsReply' && typeof m.id === 'string' && typeof m.worker === 'string' && /^\d{1,4}$/.test(m.worker) &&
  typeof m.text === 'string' && m.text.length <= MAX_TEXT;

export interface MetricsSharing {
  /** Every worker's exposition, merged with a `worker` label (this one's included). */
  gather(): Promise<string>;
  stop(): void;
}

/**
 * Joins this worker to the cluster's metrics: it answers requests with `render()` and can gather
 * everyone's. `workers` is how many answers to wait for.
 */
export function shareMetrics(bus: Bus, slot: number, workers: number, render: () => string, timeoutMs = 1_000): MetricsSharing {
  const waiting = new Map<string, (r: MetricsReply) => void>();
  const unsubscribe = bus.subscribe(METRICS_CHANNEL, (m) => {
    if (isRequest(m)) {
      void bus.publish(METRICS_CHANNEL, { type: 'metricsReply', id: m.id, worker: String(slot), text: render() } satisfies MetricsReply);
    } else if (isReply(m)) {
      waiting.get(m.id)?.(m);
    }
  });
  return {
    async gather() {
      const id = randomBytes(12).toString('base64url');
      const texts = new Map<string, string>();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        waiting.set(id, (r) => {
          texts.set(r.worker, r.text);
          if (texts.size >= workers) {
            clearTimeout(timer);
            resolve();
          }
        });
        bus.publish(METRICS_CHANNEL, { type: 'metricsRequest', id } satisfies MetricsRequest).catch(() => resolve());
      });
      waiting.delete(id);
      // This worker always counts, even if the bus lost its own reply.
      if (!texts.has(String(slot))) texts.set(String(slot), render());
      const missing = Math.max(0, workers - texts.size);
      return (
        mergeExpositions(texts) +
        `# HELP meshwork_metrics_workers_missing Workers that did not answer this scrape in time.\n` +
        `# TYPE meshwork_metrics_workers_missing gauge\nmeshwork_metrics_workers_missing ${missing}\n`
      );
    },
    stop() {
      unsubscribe();
      waiting.clear();
    },
  };
}

/**
 * Merges Prometheus text expositions, one per worker: each family once (its HELP and TYPE from the
 * first text that has it), then every worker's samples with `worker="<slot>"` added to their labels.
 */
export function mergeExpositions(byWorker: ReadonlyMap<string, string>): string {
  const families = new Map<string, { head: string[]; samples: string[] }>();
  const workers = [...byWorker.keys()].sort((a, b) => Number(a) - Number(b));
  for (const worker of workers) {
    let current: { head: string[]; samples: string[] } | undefined;
    for (const line of (byWorker.get(worker) ?? '').split('\n')) {
      if (line === '') continue;
      const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) /.exec(line);
      if (meta) {
        const name = meta[2] ?? '';
        current = families.get(name);
        if (!current) families.set(name, (current = { head: [], samples: [] }));
        if (current.head.length < 2 && !current.head.some((h) => h.startsWith(`# ${meta[1] ?? ''} `))) current.head.push(line);
        continue;
      }
      if (line.startsWith('#') || !current) continue;
      current.samples.push(withWorker(line, worker));
    }
  }
  return [...families.values()].map((f) => [...f.head, ...f.samples].join('\n')).join('\n') + '\n';
}

/** `name{a="b"} 1` → `name{a="b",worker="2"} 1`; `name 1` → `name{worker="2"} 1`. */
function withWorker(sample: string, worker: string): string {
  const brace = sample.indexOf('{');
  const space = sample.indexOf(' ');
  if (brace >= 0 && (space < 0 || brace < space)) {
    const close = sample.lastIndexOf('}');
    const inner = sample.slice(brace + 1, close);
    return `${sample.slice(0, brace)}{${inner}${inner ? ',' : ''}worker="${worker}"${sample.slice(close)}`;
  }
  return `${sample.slice(0, space)}{worker="${worker}"}${sample.slice(space)}`;
}
