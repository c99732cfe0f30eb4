/**
 * Admission at TCP accept: a queue in front of the TLS handshake. A reconnect storm (every agent
 * after a server restart) would otherwise start thousands of TLS handshakes at once; each costs the
 * server key agreement and a signature, most then wait behind each other until they time out, and
 * the agents retry — paying again. Closing the excess instead (an earlier design) sent every
 * refused agent into its exponential backoff, which stretched a restart by minutes.
 *
 * So connections *wait*, but only real TLS clients, and never one source for all:
 *
 *   accept        paused (`pauseOnConnect`). Counted against its source's caps of pending
 *                 connections (per address, per network: /24, /64 — source-counts.ts); beyond
 *                 either it is closed at once. It holds no in-progress slot yet.
 *   first bytes   read (client-hello.ts) and put back; a TLS handshake record joins the queue, any
 *                 other bytes are closed, and nothing within `helloTimeoutMs` is closed too —
 *                 a silent socket never held anything but its own source's count.
 *   queue         round robin across source networks, FIFO within one (fair-queue.ts); a network
 *                 holding its share of in-progress slots (half of them) is skipped. Bounded:
 *                 beyond `maxQueued` the newest connection of the network with the most waiting
 *                 is closed (or the newcomer, if that is its own); one that waited longer than
 *                 `maxWaitMs` is closed when its turn comes (its handshake could not finish
 *                 within the agent's limit any more).
 *   in progress   handed to TLS while fewer than `maxInProgress` connections are between release
 *                 and the end of their TLS handshake, plus what `busy()` reports (agents waiting
 *                 for a token or not yet welcomed, which hold their source's count through
 *                 `claim`). A TLS handshake not finished within `maxWaitMs` is closed.
 *
 * The handshake *rate* is the agent endpoint's (after the upgrade): a cap on concurrency is what a
 * CPU-bound server needs to finish what it started, and ordinary traffic never meets it. Every
 * connection to the HTTPS server passes here (nothing tells a browser from an agent before TLS);
 * its open keep-alive connections are not affected.
 */
import type { Server } from 'node:https';
import type { Socket } from 'node:net';
import { awaitClientHello } from './client-hello.js';
import { FairQueue } from './fair-queue.js';
import { SourceCounts } from './source-counts.js';
import { sourceOf, type Source } from './source.js';

/** Why a connection was closed at accept, unserved (metric `meshwork_accept_dropped_total{reason}`). */
export type AcceptDrop = 'no_client_hello' | 'not_tls' | 'address_cap' | 'network_cap' | 'queue_full' | 'queue_timeout' | 'tls_timeout';

export interface TlsGateOptions {
  maxInProgress: number;
  maxQueued: number;
  maxWaitMs: number;
  /** A connection that sends no byte within this long is closed (it held no slot). */
  helloTimeoutMs: number;
  /** Pending connections (accept → through admission) per source address and per network. */
  maxPerAddress: number;
  maxPerNetwork: number;
  clock: () => number;
  /** Agents past TLS: waiting for a token or not yet welcomed (they count against maxInProgress). */
  busy: () => number;
  onDropped: (reason: AcceptDrop) => void;
}

export interface TlsGate {
  readonly queued: number;
  readonly inProgress: number;
  /** Accepted connections whose first bytes have not arrived. */
  readonly awaitingHello: number;
  /**
   * An agent past TLS (until welcome): counted against its source's caps and its network's share
   * of slots. Null when a cap is reached; else the function that gives the claim back (idempotent).
   */
  claim(remoteAddress: string | undefined): (() => void) | null;
  /** Something that counts against maxInProgress ended: release what may go now. */
  kick(): void;
  /** Stops gating; waiting connections are closed. */
  close(): void;
}

type ConnectionListener = (this: Server, raw: Socket) => void;
interface Conn {
  raw: Socket;
  src: Source;
  at: number;
  phase: 'hello' | 'queued' | 'tls' | 'done';
  timer?: NodeJS.Timeout;
}

export function gateTls(server: Server, o: TlsGateOptions): TlsGate {
  // Node's own listener (tls: wrap the socket, start the handshake) runs when we release a socket.
  const forward = server.listeners('connection') as ConnectionListener[];
  server.removeAllListeners('connection');
  const pausable = server as unknown as { pauseOnConnect: boolean };
  const wasPaused = pausable.pauseOnConnect;
  pausable.pauseOnConnect = true;

  const counts = new SourceCounts(o.maxPerAddress, o.maxPerNetwork);
  const share = Math.max(1, Math.ceil(o.maxInProgress / 2));
  const queue = new FairQueue<Conn>();
  const awaiting = new Set<Conn>();
  const byRaw = new WeakMap<Socket, Conn>();
  let inProgress = 0;
  let closed = false;

  const drop = (c: Conn, reason: AcceptDrop): void => {
    c.raw.destroy();
    o.onDropped(reason);
  };
  /** The connection is through admission (TLS done) or gone: give back its count and slot. */
  const leave = (c: Conn): void => {
    if (c.phase === 'done') return;
    if (c.phase === 'queued') queue.remove(c.src.network, c);
    const held = c.phase === 'tls';
    c.phase = 'done';
    counts.leave(c.src);
    if (!held) return;
    clearTimeout(c.timer);
    inProgress--;
    counts.freeSlot(c.src.network);
    pump();
  };
  const release = (c: Conn): void => {
    c.phase = 'tls';
    inProgress++;
    counts.takeSlot(c.src.network);
    // A peer that stalls its handshake must not keep the slot (Node's own TLS limit is 120 s).
    c.timer = setTimeout(() => c.phase === 'tls' && drop(c, 'tls_timeout'), o.maxWaitMs);
    c.timer.unref();
    for (const l of forward) l.call(server, c.raw);
  };
  const room = (): boolean => inProgress + o.busy() < o.maxInProgress;
  const atShare = (network: string): boolean => counts.slots(network) >= share;
  const pump = (): void => {
    while (!closed && room()) {
      const c = queue.shift(atShare);
      if (!c) break;
      if (c.phase !== 'queued' || c.raw.destroyed) continue;
      if (o.clock() - c.at > o.maxWaitMs) drop(c, 'queue_timeout');
      else release(c);
    }
  };
  const firstBytes = (c: Conn, r: 'tls' | 'not_tls' | 'silent' | 'closed'): void => {
    awaiting.delete(c);
    if (r === 'closed' || closed) return void c.raw.destroy();
    if (r !== 'tls') return drop(c, r === 'silent' ? 'no_client_hello' : 'not_tls');
    if (queue.size >= o.maxQueued) {
      // Full: the source with the most waiting gives up its newest, unless that is this one.
      const victim = queue.evictFor(c.src.network);
      if (!victim) return drop(c, 'queue_full');
      drop(victim, 'queue_full');
    }
    c.phase = 'queued';
    queue.push(c.src.network, c);
    pump();
  };
  const onConnection = (raw: Socket): void => {
    if (closed) return void raw.destroy();
    const src = sourceOf(raw.remoteAddress);
    const capped = counts.admit(src);
    if (capped) {
      raw.destroy();
      return o.onDropped(capped);
    }
    const c: Conn = { raw, src, at: o.clock(), phase: 'hello' };
    byRaw.set(raw, c);
    awaiting.add(c);
    raw.once('close', () => leave(c));
    awaitClientHello(raw, o.helloTimeoutMs, (r) => {
      c.at = o.clock();
      firstBytes(c, r);
    });
  };
  const onSecure = (tlsSocket: Socket & { _parent?: Socket }): void => {
    const c = tlsSocket._parent ? byRaw.get(tlsSocket._parent) : undefined;
    if (c) leave(c);
  };
  server.on('connection', onConnection);
  server.on('secureConnection', onSecure);

  return {
    get queued() {
      return queue.size;
    },
    get inProgress() {
      return inProgress;
    },
    get awaitingHello() {
      return awaiting.size;
    },
    claim(remoteAddress) {
      const src = sourceOf(remoteAddress);
      if (counts.admit(src)) return null;
      counts.takeSlot(src.network);
      let given = false;
      return () => {
        if (given) return;
        given = true;
        counts.leave(src);
        counts.freeSlot(src.network);
        pump();
      };
    },
    kick: pump,
    close() {
      if (closed) return;
      closed = true;
      for (const c of [...awaiting, ...queue.drain()]) c.raw.destroy();
      awaiting.clear();
      server.off('connection', onConnection);
      server.off('secureConnection', onSecure);
      for (const l of forward) server.on('connection', l);
      pausable.pauseOnConnect = wasPaused;
    },
  };
}
