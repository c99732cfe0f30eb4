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

/**
 * What this worker can really take: the best 10-second average of handshakes completed per
 * second while admission was saturated (connections waiting at accept or for a token, or every
 * in-progress slot taken) in each of those seconds. Seconds when it was not saturated say nothing
 * about capacity and break the run. Used for the shutdown spread: agents told to come back faster
 * than the server can serve them meet a full accept queue, are reset, and climb their backoff
 * ladder — which stretches a restart far more than a longer spread does.
 */
export class CapacityEstimate {
  private run: number[] = [];
  private best = 0;

  constructor(private readonly windowS = 10) {}

  /** Once a second: the handshakes completed in that second, and whether admission was saturated. */
  second(completed: number, saturated: boolean): void {
    if (!saturated) {
      this.run = [];
      return;
    }
    this.run.push(completed);
    if (this.run.length > this.windowS) this.run.shift();
    if (this.run.length === this.windowS) this.best = Math.max(this.best, this.run.reduce((a, b) => a + b, 0) / this.windowS);
  }

  /** Handshakes per second under saturation; null until a full saturated window was seen. */
  get perSecond(): number | null {
    return this.best > 0 ? this.best : null;
  }
}
