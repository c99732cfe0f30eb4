/** Rate limits of the agent endpoint: a token bucket, and jittered delays for agents sent away. */

/** `rate` tokens per second up to `burst`; `take()` spends one if there is one. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly clock: () => number,
  ) {
    this.tokens = burst;
    this.last = clock();
  }

  take(): boolean {
    const now = this.clock();
    // A clock that goes backwards refills nothing.
    this.tokens = Math.min(this.burst, this.tokens + (Math.max(0, now - this.last) * this.rate) / 1000);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** A whole number of ms, uniform in [min, max]. */
export function jitter(min: number, max: number, random: () => number): number {
  return Math.round(min + (max - min) * Math.min(1, Math.max(0, random())));
}

/**
 * How widely to spread the return of `agents` agents after a shutdown: as long as the handshake
 * rate needs to admit them all (N / rate), within [minMs, maxMs].
 */
export function shutdownSpreadMs(agents: number, handshakeRate: number, minMs: number, maxMs: number): number {
  return Math.round(Math.min(maxMs, Math.max(minMs, (agents / handshakeRate) * 1000)));
}
