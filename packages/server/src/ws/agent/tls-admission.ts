/**
 * Admission at TCP accept: a queue in front of the TLS handshake. A reconnect storm (every agent
 * after a server restart) would otherwise start thousands of TLS handshakes at once; each costs the
 * server key agreement and a signature, most then wait behind each other until they time out, and
 * the agents retry — paying again. Closing the excess instead (the previous design) sent every
 * refused agent into its exponential backoff, which stretched a restart by minutes.
 *
 * So connections *wait*: the server accepts every connection paused (`pauseOnConnect`: nothing is
 * read, the client's ClientHello stays in the kernel) and hands it to TLS only while fewer than
 * `maxInProgress` connections are between release and the end of their handshake (TLS in progress
 * here, plus what `busy()` reports: agents waiting for a token or not yet welcomed). The handshake
 * *rate* is not applied here (it is the agent endpoint's, after the upgrade): a cap on concurrency
 * is what a CPU-bound server needs to finish what it started, and ordinary traffic never meets it.
 * The queue is FIFO and bounded: beyond `maxQueued` a new connection is closed at once, and one
 * that waited longer than `maxWaitMs` is closed when its turn comes (it could not finish its
 * handshake within the agent's limit any more). Only those are refused; `kick()` re-checks after
 * something counted by `busy()` ended. Every connection to the HTTPS server passes here (browsers
 * too: nothing tells them apart before TLS), so during a storm a browser's new connection waits its
 * turn, at most `maxWaitMs`; its open keep-alive connections are not affected.
 */
import type { Server } from 'node:https';
import type { Socket } from 'node:net';

export interface TlsGateOptions {
  maxInProgress: number;
  maxQueued: number;
  maxWaitMs: number;
  clock: () => number;
  /** Agents past TLS: waiting for a token or not yet welcomed (they count against maxInProgress). */
  busy: () => number;
  /** A connection was closed unserved: the queue was full, or it waited too long. */
  onDropped: (reason: 'tls_queue_full' | 'tls_queue_timeout') => void;
}

export interface TlsGate {
  readonly queued: number;
  readonly inProgress: number;
  /** Something that counts against maxInProgress ended: release what may go now. */
  kick(): void;
  /** Stops gating; queued connections are closed. */
  close(): void;
}

type ConnectionListener = (this: Server, raw: Socket) => void;
interface Waiting {
  raw: Socket;
  at: number;
}

export function gateTls(server: Server, o: TlsGateOptions): TlsGate {
  // Node's own listener (tls: wrap the socket, start the handshake) runs when we release a socket.
  const forward = server.listeners('connection') as ConnectionListener[];
  server.removeAllListeners('connection');
  const pausable = server as unknown as { pauseOnConnect: boolean };
  const wasPaused = pausable.pauseOnConnect;
  pausable.pauseOnConnect = true;

  let queue: Waiting[] = [];
  let head = 0;
  let inProgress = 0;
  let closed = false;
  const inHandshake = new WeakSet<Socket>();

  const timers = new WeakMap<Socket, NodeJS.Timeout>();
  const release = (raw: Socket): void => {
    inProgress++;
    inHandshake.add(raw);
    raw.once('close', () => settled(raw));
    // A peer that stays silent must not keep its slot (Node's own TLS limit is 120 s).
    const t = setTimeout(() => inHandshake.has(raw) && raw.destroy(), o.maxWaitMs);
    t.unref();
    timers.set(raw, t);
    for (const l of forward) l.call(server, raw);
  };
  const settled = (raw: Socket): void => {
    if (!inHandshake.delete(raw)) return;
    clearTimeout(timers.get(raw));
    timers.delete(raw);
    inProgress--;
    pump();
  };
  const room = (): boolean => inProgress + o.busy() < o.maxInProgress;
  const pump = (): void => {
    if (closed) return;
    while (head < queue.length && room()) {
      const w = queue[head] as Waiting;
      if (w.raw.destroyed) {
        head++;
        continue;
      }
      if (o.clock() - w.at > o.maxWaitMs) {
        head++;
        w.raw.destroy();
        o.onDropped('tls_queue_timeout');
        continue;
      }
      head++;
      release(w.raw);
    }
    if (head > 1024 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
  };
  const onConnection = (raw: Socket): void => {
    if (closed) return void raw.destroy();
    if (queue.length - head >= o.maxQueued) {
      raw.destroy();
      return o.onDropped('tls_queue_full');
    }
    queue.push({ raw, at: o.clock() });
    pump();
  };
  const onSecure = (tlsSocket: Socket & { _parent?: Socket }): void => {
    if (tlsSocket._parent) settled(tlsSocket._parent);
  };
  server.on('connection', onConnection);
  server.on('secureConnection', onSecure);

  return {
    get queued() {
      return queue.length - head;
    },
    get inProgress() {
      return inProgress;
    },
    kick: pump,
    close() {
      if (closed) return;
      closed = true;
      for (let i = head; i < queue.length; i++) queue[i]?.raw.destroy();
      queue = [];
      head = 0;
      server.off('connection', onConnection);
      server.off('secureConnection', onSecure);
      for (const l of forward) server.on('connection', l);
      pausable.pauseOnConnect = wasPaused;
    },
  };
}
