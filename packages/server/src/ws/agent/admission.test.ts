import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CapacityEstimate, jitter, shutdownSpreadMs, TokenBucket } from './admission.js';

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

  it('capacity is the best 10-second average of completions while saturated; unsaturated seconds break the run', () => {
    const c = new CapacityEstimate(10);
    for (let i = 0; i < 30; i++) c.second(500, false); // fast but not saturated: says nothing
    assert.equal(c.perSecond, null);
    for (let i = 0; i < 9; i++) c.second(40, true);
    assert.equal(c.perSecond, null, 'no full window yet');
    c.second(40, true);
    assert.equal(c.perSecond, 40);
    for (let i = 0; i < 5; i++) c.second(80, true);
    assert.equal(c.perSecond, 60, 'sliding window: five at 40, five at 80');
    c.second(0, false);
    for (let i = 0; i < 9; i++) c.second(1_000, true);
    assert.equal(c.perSecond, 60, 'a broken run starts over');
    c.second(0, false);
    for (let i = 0; i < 20; i++) c.second(10, true);
    assert.equal(c.perSecond, 60, 'the best window is kept');
  });
});
