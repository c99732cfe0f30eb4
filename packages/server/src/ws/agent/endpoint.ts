/**
 * The agent control endpoint at AGENT_WS_PATH on the HTTPS server (ws, noServer, no compression).
 *
 *   admission   a cap on TLS handshakes in progress, checked at TCP accept (beyond it new
 *               connections are closed before any TLS work: the cheapest refusal there is); then
 *               a token bucket for new agent handshakes and a cap on those in progress — beyond
 *               either, the agent gets `refused overloaded` with a jittered retryAfterMs (1013)
 *   writes      handshake and disconnect store writes are group-committed (group-commit.ts)
 *   holds       refused agents that cannot succeed by retrying are held silently (capped)
 *   presence    this worker's sessions by device id — only a cache of its own sockets; the store's
 *               presence row decides who holds a device, and claims on the bus supersede older ones
 *   keepalive   one timer pings every session; a session silent for idleTimeoutMs is dropped
 *   shutdown    `later` with retryAfterMs in [returnAfter, returnAfter + N / handshakeRate],
 *               close 1012, presence cleared
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
import { AGENT_CONTROL_CHANNEL, isAgentControlMessage } from '../../domain/relay/control.js';
import { AgentCommandRelay } from '../../domain/commands/agent-side.js';
import type { System } from '../../system.js';
import { refuseUpgrade, upgradeRouter } from '../upgrade.js';
import { GroupCommit } from '../../domain/agents/group-commit.js';
import { jitter, shutdownSpreadMs, TokenBucket } from './admission.js';
import { limitPendingTls } from './tls-admission.js';
import { AgentConnection, type ConnectionHost } from './connection.js';
import { agentEndpointOptions, type AgentEndpointOptions } from './options.js';

export interface AgentEndpoint {
  /** Agents past `welcome` on this worker. */
  readonly connected: number;
  readonly handshaking: number;
  readonly held: number;
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
  const bucket = new TokenBucket(opts.handshakeRate, opts.handshakeBurst, opts.clock);
  const commits = new GroupCommit(sys.store, opts.groupCommitMs);
  const removeTlsLimit = limitPendingTls(server, opts.maxPendingTls, (n) => sys.metrics.inc('meshwork_agent_refusals_total', { code: 'tls_overloaded' }, n));
  const all = new Set<AgentConnection>();
  const handshaking = new Set<AgentConnection>();
  const held = new Set<AgentConnection>();
  const sessions = new Map<string, Set<AgentConnection>>();
  let connected = 0;
  let stopping = false;
  const gauge = (): void => sys.metrics.set('meshwork_agents_connected', connected);
  gauge();
  // Commands, power and wake frames for this worker's agents, and their answers (domain/commands/agent-side.ts).
  const commands = new AgentCommandRelay(sys, (deviceId, connectionId) => [...(sessions.get(deviceId) ?? [])].find((c) => c.connectionId === connectionId));

  const host: ConnectionHost = {
    sys,
    opts,
    keys,
    write: commits.submit,
    get stopping() {
      return stopping;
    },
    handshakeEnded: (c) => void handshaking.delete(c),
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
      gauge();
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
    },
    commandFrame: (c, frame) => commands.onFrame(c, frame),
    closed(c) {
      all.delete(c);
      handshaking.delete(c);
      held.delete(c);
    },
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (stopping) return refuseUpgrade(socket, 'unavailable');
    // Agents never send Origin; browsers always do. The endpoint has no ambient credentials, but
    // a web page has no business here either.
    if (req.headers.origin !== undefined) return refuseUpgrade(socket, 'forbidden', 'The agent endpoint is not for browsers.');
    const admitted = handshaking.size < opts.maxPendingHandshakes && bucket.take();
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conn = new AgentConnection(host, ws, socket, head.length, req.socket.remoteAddress ?? 'unknown');
      all.add(conn);
      handshaking.add(conn);
      if (!admitted) conn.refuse('overloaded', 'The server is admitting agents at a bounded rate; come back later.');
    });
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

  // Frames for one device's control connection (domain/relay/control.ts): delivered by the worker holding it.
  const unsubControl = sys.bus.subscribe(AGENT_CONTROL_CHANNEL, (m) => {
    if (!isAgentControlMessage(m)) return sys.log.warn({ channel: AGENT_CONTROL_CHANNEL }, 'malformed bus message ignored');
    for (const c of sessions.get(m.deviceId) ?? []) if (c.connectionId === m.connectionId) c.deliver(m.frame);
  });

  commands.start();

  const keepalive = setInterval(() => {
    const now = opts.clock();
    for (const set of sessions.values()) for (const c of set) c.keepalive(now);
  }, opts.pingIntervalMs);
  keepalive.unref();

  let closing: Promise<void> | null = null;
  const close = async (): Promise<void> => {
    stopping = true;
    clearInterval(keepalive);
    const conns = [...all];
    const devices = [...new Set(conns.filter((c) => c.registered).map((c) => c.deviceId ?? ''))];
    const spread = shutdownSpreadMs(devices.length, opts.handshakeRate, opts.shutdownSpreadMinMs, opts.shutdownSpreadMaxMs);
    // Not before the server can be back (a restart takes seconds), then spread at the admission rate.
    for (const c of conns) c.shutdown(jitter(opts.shutdownReturnAfterMs, opts.shutdownReturnAfterMs + spread, opts.random));
    await settleWithin(Promise.all(conns.map((c) => c.ended)), opts.shutdownGraceMs);
    for (const c of all) c.ws.terminate();
    await settleWithin(Promise.all(conns.map((c) => c.ended.then(() => c.idle()))), opts.shutdownGraceMs);
    await commits.flush();
    removeRoute();
    removeTlsLimit();
    unsubPresence();
    unsubControl();
    commands.stop();
    const written = await recordWorkerShutdown(sys, devices, opts.shutdownTimelineBudgetMs, opts.clock);
    if (written.skipped > 0) sys.log.warn(written, 'shutdown: timeline rows not written for some devices');
    sys.log.info({ agents: devices.length, spreadMs: spread }, 'agents sent away for a restart');
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
    get held() {
      return held.size;
    },
    close: () => (closing ??= close()),
  };
}

/** Waits for `p`, but no longer than `ms`. */
async function settleWithin(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
