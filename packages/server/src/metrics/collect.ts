/** /metrics: refreshes the gauges that come from the store, then renders; plus the optional open bind. */
import { createServer, type Server } from 'node:http';
import type { System } from '../system.js';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export async function renderMetrics(sys: System): Promise<string> {
  const [users, devices] = await Promise.all([sys.store.countUsers(), sys.store.countDevices()]);
  sys.metrics.set('meshwork_users', users);
  sys.metrics.set('meshwork_devices', devices);
  return sys.metrics.render();
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
