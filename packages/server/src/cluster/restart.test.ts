import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RESTART_CAP_MS, RestartBackoff, STABLE_MS } from './restart.js';

test('worker restarts: at once, then doubling to the cap; a long-lived worker starts over', () => {
  const b = new RestartBackoff();
  const delays = Array.from({ length: 9 }, () => b.next(10));
  assert.deepEqual(delays, [0, 1_000, 2_000, 4_000, 8_000, 16_000, RESTART_CAP_MS, RESTART_CAP_MS, RESTART_CAP_MS]);
  assert.equal(b.consecutiveCrashes, 9);
  assert.equal(b.next(STABLE_MS), 0, 'a worker that ran a minute restarts at once');
  assert.equal(b.next(5), 1_000);
});
