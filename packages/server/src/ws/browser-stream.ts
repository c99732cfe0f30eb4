/**
 * Browser event stream at EVENT_STREAM_PATH on the HTTPS server. Credentials, Origin and CSRF are
 * checked before upgrading (refusals are plain HTTP `{code, message}` responses). The process
 * subscribes to the bus once; each event or device change is offered to every open stream, which
 * delivers it only if its user may see it.
 */
import type { IncomingMessage } from 'node:http';
import type { Server } from 'node:https';
import type { Duplex } from 'node:stream';
import { EVENT_STREAM_PATH, STREAM_MAX_FRAME } from '@meshwork/protocol';
import WebSocket, { WebSocketServer } from 'ws';
import { DEVICES_CHANNEL, EVENTS_CHANNEL, isDeviceBusMessage, isEventRecord } from '../bus/channels.js';
import { changesAudience } from '../domain/events/types.js';
import type { System } from '../system.js';
import { authenticateStream } from './stream-auth.js';
import { StreamConnection, type StreamLimits } from './stream-connection.js';
import { refuseUpgrade, upgradeRouter } from './upgrade.js';

export interface BrowserStreamOptions extends StreamLimits {
  /** Keepalive: ping every interval; a socket silent for a whole interval is terminated. */
  pingIntervalMs: number;
  maxStreamsPerUser: number;
}

export const STREAM_DEFAULTS: BrowserStreamOptions = {
  pingIntervalMs: 30_000,
  maxBufferedBytes: 1024 * 1024,
  maxQueued: 2_000,
  maxBadFrames: 3,
  maxFramesPerInterval: 300,
  maxStreamsPerUser: 16,
};

export interface BrowserStream {
  /** Streams open right now. */
  readonly size: number;
  close(): Promise<void>;
}

export function attachBrowserStream(sys: System, server: Server, options: Partial<BrowserStreamOptions> = {}): BrowserStream {
  const opts: BrowserStreamOptions = { ...STREAM_DEFAULTS, ...options };
  const wss = new WebSocketServer({ noServer: true, maxPayload: STREAM_MAX_FRAME, perMessageDeflate: false, clientTracking: false });
  const conns = new Set<StreamConnection>();
  const gauge = (): void => sys.metrics.set('meshwork_browser_streams', conns.size);

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    authenticateStream(sys, req)
      .then((auth) => {
        if (!auth.ok) return refuseUpgrade(socket, auth.code);
        const userId = auth.principal.user.id;
        // Count only open streams: one whose close handshake has begun no longer holds a slot.
        const open = [...conns].filter((c) => c.userId === userId && c.ws.readyState === WebSocket.OPEN).length;
        if (open >= opts.maxStreamsPerUser) return refuseUpgrade(socket, 'rate_limited', 'Too many open event streams.');
        if (socket.destroyed) return;
        wss.handleUpgrade(req, socket, head, (ws) => {
          const conn = new StreamConnection(sys, ws, auth.principal, opts);
          conns.add(conn);
          gauge();
          ws.on('error', (err) => sys.log.debug({ err, userId }, 'browser stream socket error'));
          ws.on('close', () => {
            conns.delete(conn);
            gauge();
          });
        });
      })
      .catch((err: unknown) => {
        sys.log.error({ err }, 'browser stream upgrade failed');
        refuseUpgrade(socket, 'internal');
      });
  };
  const removeRoute = upgradeRouter(server).add(EVENT_STREAM_PATH, onUpgrade);

  const unsubEvents = sys.bus.subscribe(EVENTS_CHANNEL, (m) => {
    if (!isEventRecord(m)) return sys.log.warn({ channel: EVENTS_CHANNEL }, 'malformed bus message ignored');
    const refresh = changesAudience(m.type);
    for (const c of conns) c.deliverEvent(m, refresh);
  });
  const unsubDevices = sys.bus.subscribe(DEVICES_CHANNEL, (m) => {
    if (!isDeviceBusMessage(m)) return sys.log.warn({ channel: DEVICES_CHANNEL }, 'malformed bus message ignored');
    for (const c of conns) c.deliverDevice(m);
  });

  const keepalive = setInterval(() => {
    for (const c of conns) {
      if (!c.alive) {
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      c.ws.ping();
      c.tick();
    }
  }, opts.pingIntervalMs);
  keepalive.unref();

  return {
    get size() {
      return conns.size;
    },
    async close() {
      clearInterval(keepalive);
      removeRoute();
      unsubEvents();
      unsubDevices();
      for (const c of conns) c.drop(1001, 'server shutting down');
      conns.clear();
      gauge();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
