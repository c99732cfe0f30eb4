/**
 * Every delay of the connection life, in one place. Production uses DEFAULT_TIMING; tests shrink it
 * through options, or the CLI through MESHWORK_AGENT_BACKOFF_SCALE (a factor on the backoff delays).
 */

export interface AgentTiming {
  /** First reconnect delay is uniform in [min, max]; each further failure doubles both bounds. */
  backoffFirstMinMs: number;
  backoffFirstMaxMs: number;
  /** Upper bound of any backoff delay; once reached, delays are uniform in [0.75 × cap, cap]. */
  backoffCapMs: number;
  /** A session that lasted this long after `welcome` resets the backoff when it ends. */
  stableMs: number;
  /** Pause before trying the next server URL within one round (a round ends with a backoff delay). */
  betweenUrlsMs: number;
  /** TLS + WebSocket upgrade + handshake must finish within this. */
  handshakeTimeoutMs: number;
  /** No ping and no message from the server for this long: drop and reconnect (2.5 × a 30 s ping). */
  idleTimeoutMs: number;
  /** A report part the server did not acknowledge within this: the report is abandoned and the session dropped. */
  reportAckTimeoutMs: number;
  /** How often os.networkInterfaces() is compared for a change of addresses. */
  netPollMs: number;
  /** System inventory is re-collected this often (and on a network change). */
  inventoryIntervalMs: number;
  /** Installed software is re-collected at most this often. */
  softwareIntervalMs: number;
}

export const DEFAULT_TIMING: AgentTiming = {
  backoffFirstMinMs: 1_000,
  backoffFirstMaxMs: 3_000,
  backoffCapMs: 300_000,
  stableMs: 60_000,
  betweenUrlsMs: 500,
  handshakeTimeoutMs: 30_000,
  idleTimeoutMs: 90_000,
  reportAckTimeoutMs: 30_000,
  netPollMs: 10_000,
  inventoryIntervalMs: 15 * 60_000,
  softwareIntervalMs: 3 * 3600_000,
};

export const BACKOFF_SCALE_ENV = 'MESHWORK_AGENT_BACKOFF_SCALE';

export class TimingError extends Error {
  override name = 'TimingError';
}

/** DEFAULT_TIMING with the backoff delays (and the stable-session threshold) multiplied by `scale`. */
export function scaledTiming(scale: number): AgentTiming {
  if (!Number.isFinite(scale) || scale <= 0 || scale > 100) throw new TimingError(`${BACKOFF_SCALE_ENV} must be a number in (0, 100], got ${scale}`);
  const t = DEFAULT_TIMING;
  return {
    ...t,
    backoffFirstMinMs: t.backoffFirstMinMs * scale,
    backoffFirstMaxMs: t.backoffFirstMaxMs * scale,
    backoffCapMs: t.backoffCapMs * scale,
    stableMs: t.stableMs * scale,
    betweenUrlsMs: t.betweenUrlsMs * scale,
  };
}

export function timingFromEnv(env: NodeJS.ProcessEnv): AgentTiming {
  const raw = env[BACKOFF_SCALE_ENV];
  return raw === undefined || raw === '' ? DEFAULT_TIMING : scaledTiming(Number(raw));
}
