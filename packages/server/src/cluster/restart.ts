/**
 * When the primary restarts a worker that died: at once the first time, then after a delay that
 * doubles with each further crash in a row (1 s, 2 s, 4 s, … up to 30 s). A worker that ran for
 * STABLE_MS before dying starts the count over, so one crash a day never waits.
 */
export const RESTART_BASE_MS = 1_000;
export const RESTART_CAP_MS = 30_000;
export const STABLE_MS = 60_000;

export class RestartBackoff {
  private crashes = 0;

  /** The delay before restarting a worker that died after running `uptimeMs`. */
  next(uptimeMs: number): number {
    if (uptimeMs >= STABLE_MS) this.crashes = 0;
    const n = this.crashes++;
    return n === 0 ? 0 : Math.min(RESTART_CAP_MS, RESTART_BASE_MS * 2 ** Math.min(n - 1, 20));
  }

  get consecutiveCrashes(): number {
    return this.crashes;
  }
}
