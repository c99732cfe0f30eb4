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
 * upgrade. Paired sockets are piped (pipe.ts). Every `recheckMs` the user's credentials and rights
 * on the device are checked again; if they are gone both ends close with 4009 revoked.
 */
import type { IncomingMessage } from 'node:http';
import type { Server } from 'node:https';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer, type RawData } from 'ws';
import { RELAY_AGENT_PATH, RELAY_CAPABILITY, RELAY_CLOSE_CODES, RELAY_MAX_FRAME, RELAY_USER_PATH, isRelayableCloseCode } from '@meshwork/protocol';
import { emitRelayEnd, emitRelayStart } from '../../domain/relay/events.js';
import type { RelayEnd, RelayRecord } from '../../domain/relay/registry.js';
import { ApiError } from '../../errors.js';
import type { Principal, System } from '../../system.js';
import { authenticateStream, stillValid } from '../stream-auth.js';
import { refuseUpgrade, requestUrl, upgradeRouter } from '../upgrade.js';
import { closeSocket, PIPE_LIMITS, RelayPipe, toBuffer, type Frame, type PipeLimits } from './pipe.js';

export interface RelayEndpointOptions extends PipeLimits {
  pingIntervalMs: number;
  recheckMs: number;
  /** Frames a waiting end may send before it is paused (bytes). */
  maxEarlyBytes: number;
  /** Paired sessions per user. */
  maxActivePerUser: number;
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
  ws: WebSocket;
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

export function attachRelayEndpoint(sys: System, server: Server, overrides: Partial<RelayEndpointOptions> = {}): RelayEndpoint {
  const opts: RelayEndpointOptions = { ...RELAY_ENDPOINT_DEFAULTS, ...overrides };
  const wss = new WebSocketServer({ noServer: true, maxPayload: RELAY_MAX_FRAME, perMessageDeflate: false, clientTracking: false });
  const rendezvous = new Map<string, Rendezvous>();
  const active = new Set<Active>();
  let stopping = false;
  const gauge = (): void => sys.metrics.set('meshwork_relay_sessions', active.size);

  const drop = (r: Rendezvous, code: number, reason: string): void => {
    rendezvous.delete(r.record.relayId);
    sys.relay.remove(r.record.relayId);
    for (const w of [r.user, r.agent]) if (w) closeSocket(w.ws, code, reason);
  };

  const detachRelay = sys.relay.attach({
    expired(record) {
      const r = rendezvous.get(record.relayId);
      sys.log.info({ relayId: record.relayId }, 'relay session expired unpaired');
      if (r) drop(r, r.failure?.code ?? RELAY_CLOSE_CODES.pairTimeout, r.failure?.reason ?? 'the other end did not connect in time');
    },
  });

  /** Holds an end's frames until it is paired; pauses it past maxEarlyBytes. */
  const wait = (ws: WebSocket): Waiting => {
    const w: Waiting = { ws, early: [], earlyBytes: 0 };
    ws.on('message', (d: RawData, isBinary: boolean) => {
      const data = toBuffer(d);
      w.early.push({ data, isBinary });
      w.earlyBytes += data.length;
      if (w.earlyBytes > opts.maxEarlyBytes) ws.pause();
    });
    return w;
  };

  const pair = (r: Rendezvous): void => {
    const { user, agent, principal } = r;
    if (!user || !agent || !principal) return;
    rendezvous.delete(r.record.relayId);
    sys.relay.remove(r.record.relayId);
    for (const w of [user, agent]) w.ws.removeAllListeners('message').removeAllListeners('close');
    const pipe = new RelayPipe(user.ws, agent.ws, { user: user.early, agent: agent.early }, opts);
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

  const accept = (req: IncomingMessage, socket: Duplex, head: Buffer, end: RelayEnd, record: RelayRecord, principal?: Principal): void => {
    if (socket.destroyed) return; // the record expires on its own; a waiting peer then gets 4008
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', (err) => sys.log.debug({ err, relayId: record.relayId, end }, 'relay socket error'));
      let r = rendezvous.get(record.relayId);
      if (!r) rendezvous.set(record.relayId, (r = { record }));
      if (r.failure) {
        closeSocket(ws, r.failure.code, r.failure.reason);
        return drop(r, r.failure.code, r.failure.reason);
      }
      const w = wait(ws);
      ws.once('close', (code: number, reason: Buffer) => onEarlyClose(r, end, code, reason.toString('utf8')));
      if (end === 'user') {
        r.user = w;
        r.principal = principal;
      } else {
        r.agent = w;
      }
      pair(r);
    });
  };

  const onUserUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (stopping) return refuseUpgrade(socket, 'unavailable');
    authenticateStream(sys, req)
      .then((auth) => {
        if (!auth.ok) return refuseUpgrade(socket, auth.code);
        const userId = auth.principal.user.id;
        let mine = 0;
        for (const a of active) if (a.record.userId === userId) mine++;
        if (mine >= opts.maxActivePerUser) return refuseUpgrade(socket, 'rate_limited', 'Too many open relay sessions.');
        const record = sys.relay.claim('user', requestUrl(req)?.searchParams.get('session') ?? '', userId);
        if (!record) return refuseUpgrade(socket, 'not_found');
        accept(req, socket, head, 'user', record, auth.principal);
      })
      .catch((err: unknown) => {
        sys.log.error({ err }, 'relay upgrade failed');
        refuseUpgrade(socket, 'internal');
      });
  };

  const onAgentUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (stopping) return refuseUpgrade(socket, 'unavailable');
    if (req.headers.origin !== undefined) return refuseUpgrade(socket, 'forbidden', 'The agent relay endpoint is not for browsers.');
    const record = sys.relay.claim('agent', requestUrl(req)?.searchParams.get('session') ?? '');
    if (!record) return refuseUpgrade(socket, 'not_found');
    accept(req, socket, head, 'agent', record);
  };

  const removeUser = upgradeRouter(server).add(RELAY_USER_PATH, onUserUpgrade);
  const removeAgent = upgradeRouter(server).add(RELAY_AGENT_PATH, onAgentUpgrade);

  /** The user may still use this session: credentials valid and the right still held. */
  const recheck = async (a: Active): Promise<void> => {
    try {
      const valid = await stillValid(sys, a.principal);
      if (!valid.ok) return a.pipe.close(RELAY_CLOSE_CODES.revoked, 'your credentials are no longer valid');
      await sys.authz.requireDevice(valid.principal, a.record.deviceId, RELAY_CAPABILITY[a.record.protocol]);
    } catch (e) {
      if (e instanceof ApiError) return a.pipe.close(RELAY_CLOSE_CODES.revoked, 'your rights on this device were revoked');
      sys.log.error({ err: e, relayId: a.record.relayId }, 'relay rights check failed');
    }
  };

  const keepalive = setInterval(() => {
    for (const a of active) a.pipe.ping();
  }, opts.pingIntervalMs);
  keepalive.unref();
  const rechecks = setInterval(() => {
    for (const a of active) void recheck(a);
  }, opts.recheckMs);
  rechecks.unref();

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
      clearInterval(rechecks);
      removeUser();
      removeAgent();
      for (const r of [...rendezvous.values()]) drop(r, RELAY_CLOSE_CODES.goingAway, 'server shutting down');
      detachRelay();
      const ends = [...active].map((a) => a.pipe.ended);
      for (const a of active) a.pipe.close(RELAY_CLOSE_CODES.goingAway, 'server shutting down');
      await Promise.race([Promise.all(ends), new Promise((resolve) => setTimeout(resolve, 2_500).unref())]);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
