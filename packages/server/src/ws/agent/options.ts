/** Limits and delays of the agent endpoint: from the server config, overridable by tests. */
import type { ServerConfig } from '../../config.js';
import { DEFAULT_GRACE_MS } from '../../domain/updates/updater.js';

export interface AgentEndpointOptions {
  /** Token bucket for new handshakes: refill per second, and its size. */
  handshakeRate: number;
  handshakeBurst: number;
  /** Handshakes in progress at once (accept → welcome): beyond, connections wait at TCP accept (tls-admission.ts). */
  maxPendingHandshakes: number;
  /** Connections waiting at TCP accept: at most this many, each at most this long (then closed unserved). */
  acceptQueueMax: number;
  acceptQueueWaitMs: number;
  /** A connection whose ClientHello does not start within this long is closed (it held no slot). */
  clientHelloTimeoutMs: number;
  /** Connections pending admission (accept → TLS done; agents: → welcome) per source address and per /24 or /64. */
  maxPendingPerAddress: number;
  maxPendingPerNetwork: number;
  /** Handshake and disconnect writes within this many ms share one store commit. */
  groupCommitMs: number;
  handshakeTimeoutMs: number;
  /** An agent socket that sends no `hello` within this long after the upgrade is refused (handshake_timeout). */
  helloTimeoutMs: number;
  pingIntervalMs: number;
  idleTimeoutMs: number;
  /** How long a refused socket is held silently, and how many may be held at once. */
  holdMs: number;
  maxHeld: number;
  /** `overloaded` tells agents to wait a uniform random time in this range. */
  overloadRetryMinMs: number;
  overloadRetryMaxMs: number;
  /** Reports (`inventory`, `software`) per connection: a bucket of this size refilled over a minute. */
  reportsPerMinute: number;
  /** Self-update (domain/updates/updater.ts): offers in flight on this worker, how long one counts, and the wait after welcome. */
  updateConcurrency: number;
  updateTimeoutMs: number;
  updateGraceMs: number;
  /** updateStatus frames per connection: a bucket of this size refilled over a minute. */
  updateStatusPerMinute: number;
  /** Shutdown: agents are told to wait at least this long (the restart itself), … */
  shutdownReturnAfterMs: number;
  /** … plus a share of N / handshakeRate seconds, within these bounds. */
  shutdownSpreadMinMs: number;
  shutdownSpreadMaxMs: number;
  /** Shutdown: how long to wait for close handshakes, and to write timeline rows. */
  shutdownGraceMs: number;
  shutdownTimelineBudgetMs: number;
  /** Extra SHA-384 hex hashes of TLS certificates served in front of this server. */
  tlsCertHashes: string[];
  /** Clear every presence row at start (single process: they are all stale). */
  clearStalePresence: boolean;
  /** Monotonic clock in ms for rates and idle checks. */
  clock: () => number;
  random: () => number;
}

export function agentEndpointOptions(config: ServerConfig, overrides: Partial<AgentEndpointOptions> = {}): AgentEndpointOptions {
  return {
    handshakeRate: config.agentHandshakeRate,
    handshakeBurst: config.agentHandshakeBurst,
    maxPendingHandshakes: config.agentMaxPendingHandshakes,
    // What the rate serves within the wait: beyond, a connection could not be served in time anyway.
    acceptQueueMax: Math.max(100, Math.ceil((config.agentHandshakeRate * 12_000) / 1000)),
    acceptQueueWaitMs: 12_000,
    clientHelloTimeoutMs: config.acceptClientHelloTimeoutMs,
    maxPendingPerAddress: config.acceptMaxPendingPerAddress,
    maxPendingPerNetwork: config.acceptMaxPendingPerNetwork,
    groupCommitMs: 10,
    handshakeTimeoutMs: config.agentHandshakeTimeoutMs,
    helloTimeoutMs: config.agentHelloTimeoutMs,
    pingIntervalMs: config.agentPingIntervalMs,
    idleTimeoutMs: config.agentIdleTimeoutMs,
    holdMs: config.agentHoldMs,
    maxHeld: config.agentMaxHeld,
    overloadRetryMinMs: 5_000,
    overloadRetryMaxMs: 60_000,
    reportsPerMinute: 10,
    updateConcurrency: config.agentUpdateConcurrency,
    updateTimeoutMs: config.agentUpdateTimeoutMs,
    updateGraceMs: DEFAULT_GRACE_MS,
    updateStatusPerMinute: 30,
    shutdownReturnAfterMs: 3_000,
    shutdownSpreadMinMs: 1_000,
    shutdownSpreadMaxMs: 10 * 60_000,
    shutdownGraceMs: 2_000,
    shutdownTimelineBudgetMs: 2_000,
    tlsCertHashes: config.agentTlsCertHashes,
    clearStalePresence: true,
    clock: () => performance.now(),
    random: Math.random,
    ...overrides,
  };
}
