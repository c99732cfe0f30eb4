/** Bounded polling for end-to-end tests: every wait has a deadline and says what it waited for. */
import { setTimeout as sleep } from 'node:timers/promises';

/** How long any single e2e wait may take before the test fails. */
export const DEADLINE_MS = 30_000;

/**
 * Calls `check` until it returns a value other than undefined/false, or throws after `timeoutMs`
 * with the label, the last value seen and the last error. `check` may throw while not ready.
 */
export async function waitFor<T>(
  label: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  opts: { timeoutMs?: number; everyMs?: number; describe?: () => string } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? DEADLINE_MS);
  let last: unknown;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
      last = v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? lastError.message : lastError !== undefined ? String(lastError) : `last value ${JSON.stringify(last)}`;
      throw new Error(`timed out after ${opts.timeoutMs ?? DEADLINE_MS} ms waiting for ${label}: ${why}${opts.describe ? `\n${opts.describe()}` : ''}`);
    }
    await sleep(opts.everyMs ?? 100);
  }
}
