/**
 * WebSocket upgrade routing on the HTTPS server: one 'upgrade' listener per server dispatches by
 * pathname to the registered endpoint (browser stream now; agent and relay sockets later).
 * Unknown paths and refused upgrades get a plain HTTP response with a `{code, message}` body.
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { ERROR_CODES, type ErrorCode } from '@meshwork/protocol';

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

export interface UpgradeRouter {
  /** Routes upgrades for `path` to `handler`; returns a function that removes the route. */
  add(path: string, handler: UpgradeHandler): () => void;
}

type AnyServer = HttpServer | HttpsServer;
const routers = new WeakMap<AnyServer, UpgradeRouter>();

/** The pathname of a request URL, or null when it does not parse. */
export function requestUrl(req: IncomingMessage): URL | null {
  try {
    return new URL(req.url ?? '/', 'http://upgrade.invalid');
  } catch {
    return null;
  }
}

/** Answers an upgrade request with an HTTP error and closes the socket. */
export function refuseUpgrade(socket: Duplex, code: ErrorCode, message?: string): void {
  if (socket.destroyed) return;
  const { status } = ERROR_CODES[code];
  const body = JSON.stringify({ code, message: message ?? ERROR_CODES[code].message });
  const reason = status === 404 ? 'Not Found' : status === 401 ? 'Unauthorized' : status === 429 ? 'Too Many Requests' : status >= 500 ? 'Service Unavailable' : 'Forbidden';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Cache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
  );
  // Do not wait on a peer that never closes its side.
  setTimeout(() => socket.destroy(), 5_000).unref();
}

/** The router of a server, created (and its 'upgrade' listener attached) on first use. */
export function upgradeRouter(server: AnyServer): UpgradeRouter {
  const existing = routers.get(server);
  if (existing) return existing;
  const routes = new Map<string, UpgradeHandler>();
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A reset mid-handshake must never become an uncaught 'error' event.
    socket.on('error', () => socket.destroy());
    const handler = routes.get(requestUrl(req)?.pathname ?? '');
    if (!handler) return refuseUpgrade(socket, 'not_found');
    handler(req, socket, head);
  });
  const router: UpgradeRouter = {
    add(path, handler) {
      if (routes.has(path)) throw new Error(`upgrade route ${path} registered twice`);
      routes.set(path, handler);
      return () => void routes.delete(path);
    },
  };
  routers.set(server, router);
  return router;
}
