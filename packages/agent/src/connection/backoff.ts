/**
 * Jittered exponential backoff. Failure n (from 0) waits uniform in [min·2ⁿ, max·2ⁿ], each bound
 * capped (the lower one at 0.75 × cap, so capped agents stay spread out). Defaults: 1–3 s, 2–6 s,
 * 4–12 s, … up to 225–300 s. A server's retryAfterMs replaces the computed delay and starts the
 * failure ladder over (see serverDelay): the server's own admission never pushes an agent up it.
 */
import type { AgentTiming } from './timing.js';

export type BackoffTiming = Pick<AgentTiming, 'backoffFirstMinMs' | 'backoffFirstMaxMs' | 'backoffCapMs'>;

export class Backoff {
  private failures = 0;

  constructor(
    private readonly t: BackoffTiming,
    private readonly random: () => number = Math.random,
  ) {}

  /** Bounds of the delay the next call to next() will pick from. */
  bounds(failures = this.failures): { lo: number; hi: number } {
    const f = 2 ** Math.min(failures, 40);
    const hi = Math.min(this.t.backoffFirstMaxMs * f, this.t.backoffCapMs);
    const lo = Math.min(this.t.backoffFirstMinMs * f, this.t.backoffCapMs * 0.75, hi);
    return { lo, hi };
  }

  /** The delay after one more failure. */
  next(): number {
    const { lo, hi } = this.bounds();
    this.failures++;
    return lo + (hi - lo) * this.random();
  }

  reset(): void {
    this.failures = 0;
  }

  get count(): number {
    return this.failures;
  }

  /** The shortest delay this backoff ever picks. */
  get floorMs(): number {
    return this.t.backoffFirstMinMs;
  }

  /**
   * The delay a server asked for (`later`, `refused.retryAfterMs`, HTTP Retry-After), never below
   * the floor (a server saying 0 cannot cause a tight loop), plus up to 10 % jitter so the agents a
   * server sent away do not all return in the same instant. The server answered, so it is
   * reachable: the failure ladder starts over, and a failure after the wait (say, the port still
   * closed after a restart) waits 1–3 s, not what earlier failures had built up.
   */
  serverDelay(retryAfterMs: number): number {
    this.failures = 0;
    return Math.max(retryAfterMs, this.floorMs) * (1 + 0.1 * this.random());
  }
}
