import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff } from './backoff.js';
import { DEFAULT_TIMING, scaledTiming, TimingError } from './timing.js';

test('default delays: 1–3 s first, doubling, capped at 225–300 s', () => {
  const b = new Backoff(DEFAULT_TIMING);
  assert.deepEqual(b.bounds(0), { lo: 1_000, hi: 3_000 });
  assert.deepEqual(b.bounds(1), { lo: 2_000, hi: 6_000 });
  assert.deepEqual(b.bounds(2), { lo: 4_000, hi: 12_000 });
  assert.deepEqual(b.bounds(7), { lo: 128_000, hi: 300_000 });
  assert.deepEqual(b.bounds(8), { lo: 225_000, hi: 300_000 });
  assert.deepEqual(b.bounds(10_000), { lo: 225_000, hi: 300_000 }, 'no overflow after days of failures');
});

test('next() picks inside the bounds, advances, and reset() starts over', () => {
  for (const r of [0, 0.5, 0.999999]) {
    const b = new Backoff(DEFAULT_TIMING, () => r);
    const seen: number[] = [];
    for (let i = 0; i < 12; i++) {
      const { lo, hi } = b.bounds();
      const d = b.next();
      assert.ok(d >= lo && d <= hi, `${d} in [${lo}, ${hi}]`);
      seen.push(d);
    }
    assert.equal(b.count, 12);
    assert.ok(seen.every((d) => d >= 1_000 && d <= 300_000));
    b.reset();
    assert.equal(b.count, 0);
    assert.ok(b.next() <= 3_000);
  }
});

test('a server delay overrides the backoff but never goes below the floor', () => {
  const b = new Backoff(DEFAULT_TIMING, () => 1);
  assert.equal(b.serverDelay(60_000), 66_000);
  assert.equal(b.serverDelay(0), 1_100);
  assert.equal(new Backoff(DEFAULT_TIMING, () => 0).serverDelay(5_000), 5_000);
});

test('a server delay starts the failure ladder over (the server answered: it is reachable)', () => {
  const b = new Backoff(DEFAULT_TIMING, () => 0);
  for (let i = 0; i < 5; i++) b.next();
  assert.equal(b.count, 5);
  b.serverDelay(10_000);
  assert.equal(b.count, 0);
  assert.equal(b.next(), 1_000, 'the next failure waits as the first one does');
});

test('the backoff scale shrinks the backoff delays only, and rejects nonsense', () => {
  const t = scaledTiming(0.01);
  assert.equal(t.backoffFirstMinMs, 10);
  assert.equal(t.backoffCapMs, 3_000);
  assert.equal(t.idleTimeoutMs, DEFAULT_TIMING.idleTimeoutMs);
  for (const bad of [0, -1, Number.NaN, 1e9]) assert.throws(() => scaledTiming(bad), TimingError);
});
