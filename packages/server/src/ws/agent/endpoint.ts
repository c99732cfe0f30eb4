/**
 * The agent control endpoint at AGENT_WS_PATH on the HTTPS server (ws, noServer, no compression).
 *
 *   admission   connections wait at TCP accept (paused, before any TLS work; counted only once
 *               their ClientHello arrives; per-source caps, round robin across networks) while
 *               maxPendingHandshakes are in progress (tls-admission.ts); agents then wait at the
 *               upgrade for a token of the handshake rate (counted as in progress, and against
 *               their source until welcome). Only a full queue, a source over its cap, a silent
 *               socket or a wait past acceptQueueWaitMs is refused. Past that, twice the cap is checked
 *               again (`refused overloaded`, 1013: e.g. a keep-alive socket that upgrades late)
 *   writes      handshake and disconnect store writes are group-committed (group-commit.ts)
 *   holds       refused agents that cannot succeed by retrying are held silently (capped)
 *   presence    this worker's sessions by device id — only a cache of its own sockets; the store's
 *               presence row decides who holds a device, and claims on the bus supersede older ones
 *   keepalive   one timer pings every session; a session silent for idleTimeoutMs is dropped
 *   shutdown    `later` with retryAfterMs in [returnAfter, returnAfter + N / rate], the rate being
 *               the configured one or, if lower, what this worker served when saturated
 *               (admission.ts CapacityEstimate); then the sockets are ended without waiting for
 *               close handshakes; presence cleared
 *
 * Connection details are in connection.ts; the wire contract in README.md.
 */
import type { IncomingMessage } from 'node:http';
import type { Server } from 'node:https';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { AGENT_SESSION_MAX_FRAME, AGENT_WS_PATH } from '@meshwork/protocol';
import { InProcessBus } from '../../bus/bus.js';
import { handshakeKeys } from '../../domain/agents/handshake.js';
import { clearStalePresence, holdsPresence, isPresenceClaim, PRESENCE_CHANNEL, recordWorkerShutdown } from '../../domain/agents/lifecycle.js';
import { DEVICE_GONE_CHANNEL, isDeviceGone } from '../../domain/agents/removal.js';
import { capabilityDirectory } from '../../domain/agents/capabilities.js';
import { AgentCommandRelay } from '../../domain/commands/agent-side.js';
import { AgentUpdater } from '../../domain/updates/updater.js';
import type { System } from '../../system.js';
import { refuseUpgrade, upgradeRouter } from '../upgrade.js';
import { GroupCommit } from '../../domain/agents/group-commit.js';
import { CapacityEstimate, jitter, shutdownSpreadMs } from './admission.js';
import { RateWait } from './rate-wait.js';
import { gateTls, type TlsGate } from './tls-admission.js';
import { AgentConnection, type ConnectionHost } from './connection.js';
import { agentEndpointOptions, type AgentEndpointOptions } from './options.js';

export interface AgentEndpoint {
  /** Agents past `welcome` on this worker. */
  readonly connected: number;
  readonly handshaking: number;
  /** Connections waiting at TCP accept (tls-admission.ts) or, past TLS, for a token of the rate. */
  readonly waiting: number;
  readonly held: number;
  /** The accept gate's counts: awaiting their ClientHello, queued, in TLS (tls-admission.ts). */
  readonly accept: Pick<TlsGate, 'awaitingHello' | 'queued' | 'inProgress'>;
  /** Self-update offers of this worker (domain/updates/updater.ts). */
  readonly updates: Pick<AgentUpdater, 'inFlightCount' | 'waitingCount' | 'idle'>;
  /** Sends every agent away (`later`, spread), closes, and clears this worker's presence. */
  close(): Promise<void>;
}

export async function attachAgentEndpoint(sys: System, server: Server, overrides: Partial<AgentEndpointOptions> = {}): Promise<AgentEndpoint> {
  const opts = agentEndpointOptions(sys.config, overrides);
  const keys = handshakeKeys(sys.identity, opts.tlsCertHashes);
  // One process (in-process bus): no other worker can be alive, so every presence row is stale.
  if (opts.clearStalePresence && sys.bus instanceof InProcessBus) {
    const stale = await clearStalePresence(sys);
    if (stale > 0) sys.log.info({ devices: stale }, 'cleared presence left by a previous run');
  }
  const wss = new WebSocketServer({ noServer: true, maxPayload: AGENT_SESSION_MAX_FRAME, perMessageDeflate: false, clientTracking: false });
  const commits = new GroupCommit(sys.store, opts.groupCommitMs);
  const all = new Set<AgentConnection>();
  const handshaking = new Set<AgentConnection>();
  // Agents past TLS wait here for a token of the handshake rate (rate-wait.ts).
  const rateWait = new RateWait({
    rate: opts.handshakeRate,
    burst: opts.handshakeBurst,
    maxWaitMs: opts.acceptQueueWaitMs,
    clock: opts.clock,
    proceed: (w) => upgrade(w.req, w.socket, w.head),
    expired(w) {
      sys.metrics.inc('meshwork_agent_refusals_total', { code: 'rate_wait_timeout' });
      refuseUpgrade(w.socket, 'unavailable');
    },
    released: () => gate.kick(),
  });
  const gate = gateTls(server, {
    maxInProgress: opts.maxPendingHandshakes,
    maxQueued: opts.acceptQueueMax,
    maxWaitMs: opts.acceptQueueWaitMs,
    helloTimeoutMs: opts.clientHelloTimeoutMs,
    maxPerAddress: opts.maxPendingPerAddress,
    maxPerNetwork: opts.maxPendingPerNetwork,
    clock: opts.clock,
    busy: () => handshaking.size + rateWait.size,
    onDropped: (reason) => sys.metrics.inc('meshwork_accept_dropped_total', { reason }),
  });
  // Each agent past TLS holds its source's claim (tls-admission.ts) until welcome or close.
  const claims = new WeakMap<Duplex, () => void>();
  const giveBack = (socket: Duplex): void => claims.get(socket)?.();
  const held = new Set<AgentConnection>();
  const sessions = new Map<string, Set<AgentConnection>>();
  let connected = 0;
  let stopping = false;
  // Handshakes completed per second while saturated: what the shutdown spread is sized by.
  const capacity = new CapacityEstimate();
  let welcomedThisSecond = 0;
  const gauge = (): void => sys.metrics.set('meshwork_agents_connected', connected);
  gauge();
  const find = (deviceId: string, connectionId: string): AgentConnection | undefined => {
    for (const c of sessions.get(deviceId) ?? []) if (c.connectionId === connectionId) return c;
    return undefined;
  };
  // Every server → agent frame for this worker's agents (relayOpen, run, power, wake), and the
  // answers to commands (domain/commands/agent-side.ts); what this worker's agents announced.
  const commands = new AgentCommandRelay(sys, find);
  // Self-update offers to this worker's agents, paced (domain/updates/updater.ts).
  const updates = new AgentUpdater(sys, { concurrency: opts.updateConcurrency, timeoutMs: opts.updateTimeoutMs, graceMs: opts.updateGraceMs }, {
    of: (id) => sessions.get(id) ?? [],
    *all() {
      for (const set of sessions.values()) yield* set;
    },
  }, commits.submit);
  const removeLocal = capabilityDirectory(sys).addLocal((deviceId, connectionId) => find(deviceId, connectionId)?.capabilities);

  const host: ConnectionHost = {
    sys,
    opts,
    keys,
    write: commits.submit,
    get stopping() {
      return stopping;
    },
    handshakeEnded(c) {
      giveBack(c.socket);
      if (handshaking.delete(c)) gate.kick();
    },
    tryHold(c) {
      if (held.size >= opts.maxHeld) return false;
      held.add(c);
      return true;
    },
    holdEnded: (c) => void held.delete(c),
    sessionStarted(c) {
      const id = c.deviceId ?? '';
      let set = sessions.get(id);
      if (!set) sessions.set(id, (set = new Set()));
      set.add(c);
      connected++;
      welcomedThisSecond++;
      gauge();
      updates.onSession(c);
    },
    sessionEnded(c) {
      const id = c.deviceId ?? '';
      const set = sessions.get(id);
      if (set?.delete(c)) {
        connected--;
        gauge();
      }
      if (set?.size === 0) sessions.delete(id);
      commands.onClosed(c);
      updates.onClosed(c);
    },
    commandFrame: (c, frame) => commands.onFrame(c, frame),
    updateStatus: (c, status) => updates.onStatus(c, status),
    closed(c) {
      all.delete(c);
      giveBack(c.socket);
      if (handshaking.delete(c)) gate.kick();
      held.delete(c);
    },
  };

  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    // The accept queue keeps the real bound; between TLS and the upgrade a connection is counted
    // nowhere, so a few more than the cap can arrive here at once: only a flood past twice the cap
    // (sockets that did not come through the queue) is refused.
    const admitted = handshaking.size < 2 * opts.maxPendingHandshakes;
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conn = new AgentConnection(host, ws, socket, head.length, req.socket.remoteAddress ?? 'unknown');
      all.add(conn);
      handshaking.add(conn);
      if (!admitted) conn.refuse('overloaded', 'Too many agent handshakes are in progress; come back later.');
    });
  };
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (stopping) return refuseUpgrade(socket, 'unavailable');
    // Agents never send Origin; browsers always do. The endpoint has no ambient credentials, but
    // a web page has no business here either.
    if (req.headers.origin !== undefined) return refuseUpgrade(socket, 'forbidden', 'The agent endpoint is not for browsers.');
    // Counted against its source's caps until welcome: one source cannot hold every slot.
    const claim = gate.claim(req.socket.remoteAddress);
    if (!claim) {
      sys.metrics.inc('meshwork_agent_refusals_total', { code: 'source_cap' });
      return refuseUpgrade(socket, 'unavailable', 'Too many connections from this address or network are pending; come back later.');
    }
    claims.set(socket, claim);
    socket.once('close', claim);
    // Beyond the rate the agent waits (its TLS is done, it counts as in progress), not refused.
    rateWait.offer({ req, socket, head });
  };
  const removeRoute = upgradeRouter(server).add(AGENT_WS_PATH, onUpgrade);

  const unsubPresence = sys.bus.subscribe(PRESENCE_CHANNEL, (m) => {
    if (!isPresenceClaim(m)) return sys.log.warn({ channel: PRESENCE_CHANNEL }, 'malformed bus message ignored');
    for (const c of sessions.get(m.deviceId) ?? []) {
      if (c.connectionId === m.connectionId) continue;
      holdsPresence(sys, c.ref()).then(
        (holds) => holds || c.supersede(),
        (err: unknown) => sys.log.error({ err, deviceId: m.deviceId }, 'presence check failed'),
      );
    }
  });

  // A removed device's connections end at once, here too (the removal may be on another worker).
  const unsubGone = sys.bus.subscribe(DEVICE_GONE_CHANNEL, (m) => {
    if (!isDeviceGone(m)) return sys.log.warn({ channel: DEVICE_GONE_CHANNEL }, 'malformed bus message ignored');
    for (const c of [...(sessions.get(m.deviceId) ?? []), ...handshaking]) if (c.deviceId === m.deviceId) c.removed(m.revoked);
  });

  commands.start();
  updates.start();

  const keepalive = setInterval(() => {
    const now = opts.clock();
    for (const set of sessions.values()) for (const c of set) c.keepalive(now);
  }, opts.pingIntervalMs);
  keepalive.unref();
  // The admission's state, for /metrics (one timer; the counts are kept by the queues themselves).
  const admissionGauges = setInterval(() => {
    sys.metrics.set('meshwork_accept_awaiting_hello', gate.awaitingHello);
    sys.metrics.set('meshwork_agent_accept_waiting', gate.queued);
    sys.metrics.set('meshwork_agent_accept_in_progress', gate.inProgress);
    sys.metrics.set('meshwork_agent_rate_waiting', rateWait.size);
    sys.metrics.set('meshwork_agent_handshaking', handshaking.size);
    const saturated = gate.queued > 0 || rateWait.size > 0 || gate.inProgress + handshaking.size >= opts.maxPendingHandshakes;
    capacity.second(welcomedThisSecond, saturated);
    welcomedThisSecond = 0;
    sys.metrics.set('meshwork_agent_handshake_capacity', capacity.perSecond ?? 0);
  }, 1_000);
  admissionGauges.unref();

  let closing: Promise<void> | null = null;
  const close = async (): Promise<void> => {
    stopping = true;
    clearInterval(keepalive);
    clearInterval(admissionGauges);
    gate.close(); // connections waiting at accept are closed; new ones meet 503 at the upgrade
    rateWait.close((w) => refuseUpgrade(w.socket, 'unavailable'));
    const conns = [...all];
    const devices = [...new Set(conns.filter((c) => c.registered).map((c) => c.deviceId ?? ''))];
    // Spread the return over what this worker was seen to serve when saturated, if that is below
    // the configured rate (a restarted worker serves about what this one did).
    const rate = Math.min(opts.handshakeRate, capacity.perSecond ?? Infinity);
    const spread = shutdownSpreadMs(devices.length, rate, opts.shutdownSpreadMinMs, opts.shutdownSpreadMaxMs);
    // Not before the server can be back (a restart takes seconds), then spread at the admission rate.
    for (const c of conns) c.shutdown(jitter(opts.shutdownReturnAfterMs, opts.shutdownReturnAfterMs + spread, opts.random));
    await settleWithin(Promise.all(conns.map((c) => c.ended)), opts.shutdownGraceMs);
    for (const c of all) c.ws.terminate();
    await settleWithin(Promise.all(conns.map((c) => c.ended.then(() => c.idle()))), opts.shutdownGraceMs);
    await commits.flush();
    removeRoute();
    unsubPresence();
    unsubGone();
    removeLocal();
    commands.stop();
    updates.stop();
    const written = await recordWorkerShutdown(sys, devices, opts.shutdownTimelineBudgetMs, opts.clock);
    if (written.skipped > 0) sys.log.warn(written, 'shutdown: timeline rows not written for some devices');
    sys.log.info({ agents: devices.length, spreadMs: spread, ratePerSecond: rate }, 'agents sent away for a restart');
    connected = 0;
    gauge();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  };

  return {
    get connected() {
      return connected;
    },
    get handshaking() {
      return handshaking.size;
    },
    get waiting() {
      return gate.queued + rateWait.size;
    },
    get held() {
      return held.size;
    },
    accept: gate,
    updates,
    close: () => (closing ??= close()),
  };
}

/** Waits for `p`, but no longer than `ms`. */
async function settleWithin(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
