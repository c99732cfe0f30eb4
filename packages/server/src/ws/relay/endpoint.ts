/**
 * The relay endpoint: two upgrade routes on the HTTPS server and the pairing of their sockets.
 *
 *   RELAY_USER_PATH?session=ID    the user end: bearer token, or session cookie + own Origin + csrf
 *                                 (ws/stream-auth.ts); the session must have been created by the
 *                                 same user, else 404 — exactly like an unknown or used id
 *   RELAY_AGENT_PATH?session=TOK  the agent end: no Origin; the token went only to the device's
 *                                 authenticated control connection (relayOpen)
 *
 * Whichever end comes first waits (its frames are held, the socket paused) until the other comes
 * or the session expires (4008 pairTimeout). An agent that refuses (4003, 4004, 4011, 4013) closes
 * its end at once; a waiting user gets that code, a user who comes later gets it right after the
 * upgrade. Paired sockets are piped (pipe.ts). The user's credentials and rights on the device are
 * checked again on every event that may revoke them and every `recheckMs` (revocation.ts); if they
 * are gone both ends close with 4009 revoked.
 *
 * With several workers, a socket whose secret names another worker's slot is authenticated here,
 * then spliced to that worker (splice.ts), which claims the secret and pairs it like a local end.
 */
import type { IncomingMessage } from 'node:http';
import type { Server } from 'node:https';
import type { Server as NetServer } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { RELAY_AGENT_PATH, RELAY_CLOSE_CODES, RELAY_MAX_FRAME, RELAY_USER_PATH, isRelayableCloseCode } from '@meshwork/protocol';
import type { UserRecord } from '@meshwork/store';
import { emitRelayEnd, emitRelayStart } from '../../domain/relay/events.js';
import { ownerSlot, type RelayEnd, type RelayRecord } from '../../domain/relay/registry.js';
import type { Principal, System } from '../../system.js';
import { authenticateStream, stillValid } from '../stream-auth.js';
import { refuseUpgrade, requestUrl, upgradeRouter } from '../upgrade.js';
import { wsEnd, type PipeEnd } from './end.js';
import { PIPE_LIMITS, RelayPipe, type Frame, type PipeLimits } from './pipe.js';
import { watchRevocations, type Revocable } from './revocation.js';
import { connectSplice, listenSplice, type SpliceAnswer, type SpliceHello } from './splice.js';
import type { SpliceConfig } from './splice-auth.js';

export interface RelayEndpointOptions extends PipeLimits {
  pingIntervalMs: number;
  recheckMs: number;
  /** Frames a waiting end may send before it is paused (bytes). */
  maxEarlyBytes: number;
  /** Paired sessions per user. */
  maxActivePerUser: number;
  /** Multi-worker mode: the primary's private splice directory and cluster key (splice-auth.ts). */
  splice?: SpliceConfig;
}

export const RELAY_ENDPOINT_DEFAULTS: RelayEndpointOptions = {
  ...PIPE_LIMITS,
  pingIntervalMs: 30_000,
  recheckMs: 60_000,
  maxEarlyBytes: 256 * 1024,
  maxActivePerUser: 256,
};

export interface RelayEndpoint {
  readonly active: number;
  readonly waiting: number;
  /** Bytes the server holds for paired sessions (both directions, all sessions). */
  readonly bufferedBytes: number;
  close(): Promise<void>;
}

interface Waiting {
  end: PipeEnd;
  early: Frame[];
  earlyBytes: number;
}

interface Rendezvous {
  record: RelayRecord;
  principal?: Principal;
  user?: Waiting;
  agent?: Waiting;
  failure?: { code: number; reason: string };
}

interface Active {
  record: RelayRecord;
  principal: Principal;
  pipe: RelayPipe;
  startedAt: number;
}

export async function attachRelayEndpoint(sys: System, server: Server, overrides: Partial<RelayEndpointOptions> = {}): Promise<RelayEndpoint> {
  const opts: RelayEndpointOptions = { ...RELAY_ENDPOINT_DEFAULTS, ...overrides };
  const wss = new WebSocketServer({ noServer: true, maxPayload: RELAY_MAX_FRAME, perMessageDeflate: false, clientTracking: false });
  const rendezvous = new Map<string, Rendezvous>();
  const active = new Set<Active>();
  /** Ends this worker holds for sessions owned by another worker (kept alive from here). */
  const bridged = new Set<PipeEnd>();
  let stopping = false;
  const gauge = (): void => sys.metrics.set('meshwork_relay_sessions', active.size);

  const drop = (r: Rendezvous, code: number, reason: string): void => {
    rendezvous.delete(r.record.relayId);
    sys.relay.remove(r.record.relayId);
    for (const w of [r.user, r.agent]) if (w) w.end.close(code, reason);
  };

  const detachRelay = sys.relay.attach({
    expired(record) {
      const r = rendezvous.get(record.relayId);
      sys.log.info({ relayId: record.relayId }, 'relay session expired unpaired');
      if (r) drop(r, r.failure?.code ?? RELAY_CLOSE_CODES.pairTimeout, r.failure?.reason ?? 'the other end did not connect in time');
    },
  });

  /** Holds an end's frames until it is paired; pauses it past maxEarlyBytes. */
  const wait = (end: PipeEnd): Waiting => {
    const w: Waiting = { end, early: [], earlyBytes: 0 };
    end.onMessage((data, isBinary) => {
      w.early.push({ data, isBinary });
      w.earlyBytes += data.length;
      if (w.earlyBytes > opts.maxEarlyBytes) end.pause();
    });
    return w;
  };

  const pair = (r: Rendezvous): void => {
    const { user, agent, principal } = r;
    if (!user || !agent || !principal) return;
    rendezvous.delete(r.record.relayId);
    sys.relay.remove(r.record.relayId);
    for (const w of [user, agent]) {
      w.end.onMessage(null);
      w.end.onClose(null);
    }
    const pipe = new RelayPipe(user.end, agent.end, { user: user.early, agent: agent.early }, opts);
    const a: Active = { record: r.record, principal, pipe, startedAt: Date.now() };
    active.add(a);
    gauge();
    sys.log.info({ relayId: r.record.relayId, protocol: r.record.protocol, deviceId: r.record.deviceId, userId: r.record.userId }, 'relay session started');
    emitRelayStart(sys, r.record).catch((err: unknown) => sys.log.error({ err, relayId: r.record.relayId }, 'relay.start event failed'));
    void pipe.ended.then((totals) => {
      active.delete(a);
      gauge();
      const durationMs = Date.now() - a.startedAt;
      sys.metrics.inc('meshwork_relay_bytes_total', { direction: 'to_device' }, totals.bytesToDevice);
      sys.metrics.inc('meshwork_relay_bytes_total', { direction: 'from_device' }, totals.bytesFromDevice);
      sys.log.info({ relayId: r.record.relayId, ...totals, durationMs }, 'relay session ended');
      return emitRelayEnd(sys, r.record, { ...totals, durationMs }).catch((err: unknown) => sys.log.error({ err, relayId: r.record.relayId }, 'relay.end event failed'));
    });
  };

  /** An end that closed before pairing. */
  const onEarlyClose = (r: Rendezvous, end: RelayEnd, code: number, reason: string): void => {
    if (rendezvous.get(r.record.relayId) !== r) return;
    if (end === 'user') return drop(r, RELAY_CLOSE_CODES.peerGone, 'the user left');
    r.agent = undefined;
    r.failure = isRelayableCloseCode(code) && code !== 1000 ? { code, reason } : { code: RELAY_CLOSE_CODES.peerGone, reason: 'the device disconnected' };
    if (r.user) drop(r, r.failure.code, r.failure.reason);
  };

  /** An end of a session this worker owns (a local WebSocket, or one spliced from another worker). */
  const join = (end: PipeEnd, which: RelayEnd, record: RelayRecord, principal?: Principal): void => {
    let r = rendezvous.get(record.relayId);
    if (!r) rendezvous.set(record.relayId, (r = { record }));
    if (r.failure) {
      end.close(r.failure.code, r.failure.reason);
      return drop(r, r.failure.code, r.failure.reason);
    }
    const w = wait(end);
    const rv = r;
    end.onClose((code, reason) => onEarlyClose(rv, which, code, reason));
    if (which === 'user') {
      r.user = w;
      r.principal = principal;
    } else {
      r.agent = w;
    }
    pair(r);
  };

  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer, which: RelayEnd, relayId: string, then: (end: PipeEnd) => void): void => {
    if (socket.destroyed) return; // the record expires on its own; a waiting peer then gets 4008
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', (err) => sys.log.debug({ err, relayId, end: which }, 'relay socket error'));
      then(wsEnd(ws));
    });
  };

  const activeOf = (userId: string): number => {
    let mine = 0;
    for (const a of active) if (a.record.userId === userId) mine++;
    return mine;
  };

  /**
   * The owner's decision on an end that arrived here or at another worker. A user end authenticated
   * in this process brings its principal; one spliced from another worker is re-read from the store.
   */
  const admit = async (h: SpliceHello, authenticated?: Principal): Promise<{ answer: SpliceAnswer; record?: RelayRecord; principal?: Principal }> => {
    if (stopping) return { answer: { ok: false, code: 'unavailable' } };
    if (h.end === 'agent') {
      const record = sys.relay.claim('agent', h.secret);
      return record ? { answer: { ok: true }, record } : { answer: { ok: false, code: 'not_found' } };
    }
    if (h.userId === undefined || (h.via !== 'session' && h.via !== 'token')) return { answer: { ok: false, code: 'not_found' } };
    const valid = authenticated ? { ok: true as const, principal: authenticated } : await stillValid(sys, {
      user: { id: h.userId } as UserRecord, via: h.via,
      ...(h.sessionId !== undefined ? { sessionId: h.sessionId } : {}), ...(h.tokenId !== undefined ? { tokenId: h.tokenId } : {}),
    });
    if (!valid.ok) return { answer: { ok: false, code: valid.code } };
    if (activeOf(h.userId) >= opts.maxActivePerUser) return { answer: { ok: false, code: 'rate_limited', message: 'Too many open relay sessions.' } };
    const record = sys.relay.claim('user', h.secret, h.userId);
    return record ? { answer: { ok: true }, record, principal: valid.principal } : { answer: { ok: false, code: 'not_found' } };
  };

  /** A socket for another worker's session: splice it there once that worker admits it. */
  const forward = (req: IncomingMessage, socket: Duplex, head: Buffer, owner: number, hello: SpliceHello): void => {
    if (opts.splice === undefined) return refuseUpgrade(socket, 'not_found');
    void connectSplice(opts.splice, owner, hello).then(({ answer, link }) => {
      if (!answer.ok || !link) return refuseUpgrade(socket, answer.ok ? 'internal' : answer.code, answer.ok ? undefined : answer.message);
      if (socket.destroyed || stopping) return link.abort();
      upgrade(req, socket, head, hello.end, 'spliced', (end) => {
        sys.log.info({ end: hello.end, owner, worker: sys.relay.slot }, 'relay end spliced to the worker that owns its session');
        bridged.add(end);
        link.bridge(end, opts);
        const closed = (): void => void bridged.delete(end);
        (socket as Duplex).once('close', closed);
      });
    });
  };

  const route = (req: IncomingMessage, socket: Duplex, head: Buffer, hello: SpliceHello, authenticated?: Principal): void => {
    const owner = ownerSlot(hello.secret);
    if (owner === null) return refuseUpgrade(socket, 'not_found');
    if (owner !== sys.relay.slot) return forward(req, socket, head, owner, hello);
    admit(hello, authenticated)
      .then(({ answer, record, principal }) => {
        if (!answer.ok || !record) return refuseUpgrade(socket, answer.ok ? 'internal' : answer.code, answer.ok ? undefined : answer.message);
        upgrade(req, socket, head, hello.end, record.relayId, (end) => join(end, hello.end, record, principal));
      })
      .catch((err: unknown) => {
        sys.log.error({ err }, 'relay upgrade failed');
        refuseUpgrade(socket, 'internal');
      });
  };

  const onUserUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (stopping) return refuseUpgrade(socket, 'unavailable');
    authenticateStream(sys, req)
      .then((auth) => {
        if (!auth.ok) return refuseUpgrade(socket, auth.code);
        const p = auth.principal;
        if (p.via === 'local') return refuseUpgrade(socket, 'forbidden');
        route(req, socket, head, {
          end: 'user', secret: requestUrl(req)?.searchParams.get('session') ?? '', userId: p.user.id, via: p.via,
          ...(p.sessionId !== undefined ? { sessionId: p.sessionId } : {}), ...(p.tokenId !== undefined ? { tokenId: p.tokenId } : {}),
        }, p);
      })
      .catch((err: unknown) => {
        sys.log.error({ err }, 'relay upgrade failed');
        refuseUpgrade(socket, 'internal');
      });
  };

  const onAgentUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (stopping) return refuseUpgrade(socket, 'unavailable');
    if (req.headers.origin !== undefined) return refuseUpgrade(socket, 'forbidden', 'The agent relay endpoint is not for browsers.');
    route(req, socket, head, { end: 'agent', secret: requestUrl(req)?.searchParams.get('session') ?? '' });
  };

  let spliceServer: NetServer | null = null;
  if (opts.splice !== undefined && sys.relay.slot > 0) {
    const admitted = new WeakMap<SpliceHello, { record: RelayRecord; principal?: Principal }>();
    spliceServer = await listenSplice(
      opts.splice,
      sys.relay.slot,
      async (h) => {
        const { answer, record, principal } = await admit(h);
        if (answer.ok && record) admitted.set(h, { record, ...(principal ? { principal } : {}) });
        return answer;
      },
      (h, end) => {
        const a = admitted.get(h);
        if (a) join(end, h.end, a.record, a.principal);
      },
      (why) => sys.log.warn({ worker: sys.relay.slot, why }, 'relay splice connection dropped: it did not prove the cluster key'),
    );
  }

  const removeUser = upgradeRouter(server).add(RELAY_USER_PATH, onUserUpgrade);
  const removeAgent = upgradeRouter(server).add(RELAY_AGENT_PATH, onAgentUpgrade);

  /** Ends a session, paired or still waiting, wherever it is now. */
  const endSession = (relayId: string, code: number, reason: string): void => {
    const r = rendezvous.get(relayId);
    if (r) return drop(r, code, reason);
    for (const a of active) if (a.record.relayId === relayId) a.pipe.close(code, reason);
  };
  function* revocable(): Iterable<Revocable> {
    const end = (relayId: string) => (code: number, reason: string): void => endSession(relayId, code, reason);
    for (const a of active) yield { record: a.record, principal: a.principal, end: end(a.record.relayId) };
    for (const r of rendezvous.values()) if (r.principal) yield { record: r.record, principal: r.principal, end: end(r.record.relayId) };
  }
  const stopWatching = watchRevocations(sys, revocable, opts.recheckMs);

  const keepalive = setInterval(() => {
    for (const a of active) a.pipe.ping();
    for (const e of bridged) e.ping();
  }, opts.pingIntervalMs);
  keepalive.unref();

  return {
    get active() {
      return active.size;
    },
    get waiting() {
      return rendezvous.size;
    },
    get bufferedBytes() {
      let n = 0;
      for (const a of active) n += a.pipe.buffered.toDevice + a.pipe.buffered.fromDevice;
      return n;
    },
    async close() {
      if (stopping) return;
      stopping = true;
      clearInterval(keepalive);
      stopWatching();
      removeUser();
      removeAgent();
      for (const r of [...rendezvous.values()]) drop(r, RELAY_CLOSE_CODES.goingAway, 'server shutting down');
      detachRelay();
      const ends = [...active].map((a) => a.pipe.ended);
      for (const a of active) a.pipe.close(RELAY_CLOSE_CODES.goingAway, 'server shutting down');
      for (const e of bridged) e.close(RELAY_CLOSE_CODES.goingAway, 'server shutting down');
      spliceServer?.close();
      await Promise.race([Promise.all(ends), new Promise((resolve) => setTimeout(resolve, 2_500).unref())]);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
