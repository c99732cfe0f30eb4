/**
 * /metrics: refreshes the gauges that come from the store, then renders (every worker's, in a
 * multi-worker server); plus the optional open bind.
 */
import { createServer, type Server } from 'node:http';
import type { System } from '../system.js';
import { shareMetrics, type MetricsSharing } from './cluster.js';
import { METRIC_HELP } from './metrics.js';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const clusterOf = new WeakMap<System, MetricsSharing>();

/**
 * In a worker of a multi-worker server: /metrics answers for every worker (cluster.ts), samples
 * labelled `worker`. Returns the undo (at shutdown).
 */
export function shareClusterMetrics(sys: System, slot: number, workers: number): () => void {
  const sharing = shareMetrics(sys.bus, slot, workers, () => sys.metrics.render());
  clusterOf.set(sys, sharing);
  return () => {
    sharing.stop();
    clusterOf.delete(sys);
  };
}

export async function renderMetrics(sys: System): Promise<string> {
  const [users, devices] = await Promise.all([sys.store.countUsers(), sys.store.countDevices()]);
  const cluster = clusterOf.get(sys);
  if (!cluster) {
    sys.metrics.set('meshwork_users', users);
    sys.metrics.set('meshwork_devices', devices);
    return sys.metrics.render();
  }
  // The store's counts are the server's, not a worker's: once, without a worker label.
  const gauge = (name: string, v: number): string => `# HELP ${name} ${METRIC_HELP[name] ?? name}\n# TYPE ${name} gauge\n${name} ${v}\n`;
  return (await cluster.gather()) + gauge('meshwork_users', users) + gauge('meshwork_devices', devices);
}

/**
 * `--metrics-port`: a plain-HTTP listener on `host` serving only GET /metrics, without auth —
 * for a Prometheus on the same host or network, kept off the main port.
 */
export async function startMetricsServer(sys: System, host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if ((req.method !== 'GET' && req.method !== 'HEAD') || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"code":"not_found","message":"Not found."}');
      return;
    }
    renderMetrics(sys).then(
      (text) => res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE }).end(req.method === 'HEAD' ? undefined : text),
      (err: unknown) => {
        sys.log.error({ err }, 'metrics failed');
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"code":"internal","message":"Internal error."}');
      },
    );
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
