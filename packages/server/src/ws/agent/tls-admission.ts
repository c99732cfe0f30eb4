/**
 * A cap on TLS handshakes in progress on the HTTPS server, enforced at TCP accept. A reconnect
 * storm (every agent after a server restart) otherwise starts thousands of TLS handshakes at once:
 * each costs the server key agreement and a signature, most then wait behind each other until
 * they time out, and the agents retry — paying again. While `max` TLS handshakes are in progress,
 * `server.maxConnections` is set to the number of open connections, so Node closes each new
 * connection as it is accepted, before any TLS work (the client sees a reset and backs off); as
 * soon as one handshake ends the limit is lifted. Established connections are never affected.
 */
import type { Server } from 'node:https';
import type { Socket } from 'node:net';

export function limitPendingTls(server: Server, max: number, onDropped: (n: number) => void): () => void {
  let open = 0;
  let pending = 0;
  const inHandshake = new WeakSet<Socket>();
  const apply = (): void => {
    // Node closes an accepted connection while connections >= maxConnections (0 means no limit).
    server.maxConnections = pending >= max ? Math.max(1, open) : Infinity;
  };
  const settled = (raw: Socket): void => {
    if (!inHandshake.delete(raw)) return;
    pending--;
    apply();
  };
  const onConnection = (raw: Socket): void => {
    open++;
    pending++;
    inHandshake.add(raw);
    raw.once('close', () => {
      open--;
      settled(raw);
      apply();
    });
    apply();
  };
  const onSecure = (tlsSocket: Socket & { _parent?: Socket }): void => {
    if (tlsSocket._parent) settled(tlsSocket._parent);
  };
  const onDrop = (): void => onDropped(1);
  server.on('connection', onConnection);
  server.on('secureConnection', onSecure);
  server.on('drop', onDrop);
  return () => {
    server.off('connection', onConnection);
    server.off('secureConnection', onSecure);
    server.off('drop', onDrop);
    server.maxConnections = Infinity;
  };
}
