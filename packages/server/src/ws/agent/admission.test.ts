import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { jitter, shutdownSpreadMs, TokenBucket } from './admission.js';

describe('agent admission', () => {
  it('a token bucket admits a burst, then the refill rate, and never more than the burst', () => {
    let now = 0;
    const b = new TokenBucket(10, 3, () => now);
    assert.deepEqual([b.take(), b.take(), b.take(), b.take()], [true, true, true, false]);
    now += 100; // 10/s → one token
    assert.deepEqual([b.take(), b.take()], [true, false]);
    now += 60_000;
    assert.equal([1, 2, 3, 4].filter(() => b.take()).length, 3, 'capped at the burst');
    now -= 10_000; // a clock going backwards refills nothing
    assert.equal(b.take(), false);
  });

  it('jitter stays within its bounds; the shutdown spread follows N / rate within its bounds', () => {
    for (const r of [0, 0.25, 0.999999, 1]) {
      const v = jitter(5_000, 60_000, () => r);
      assert.ok(v >= 5_000 && v <= 60_000 && Number.isInteger(v));
    }
    assert.equal(shutdownSpreadMs(10_000, 1_000, 1_000, 600_000), 10_000);
    assert.equal(shutdownSpreadMs(3, 1_000, 1_000, 600_000), 1_000);
    assert.equal(shutdownSpreadMs(10_000_000, 1_000, 1_000, 600_000), 600_000);
  });
});
