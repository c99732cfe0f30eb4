/** FairQueue: round robin across keys, FIFO within one, skipped keys, removal, eviction when full. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FairQueue } from './fair-queue.js';

const take = (q: FairQueue<string>, skip?: (k: string) => boolean): string[] => {
  const out: string[] = [];
  for (let x = q.shift(skip); x !== undefined; x = q.shift(skip)) out.push(x);
  return out;
};

test('round robin across keys, FIFO within one', () => {
  const q = new FairQueue<string>();
  for (const x of ['a1', 'a2', 'a3']) q.push('a', x);
  q.push('b', 'b1');
  q.push('c', 'c1');
  q.push('b', 'b2');
  assert.equal(q.size, 6);
  assert.deepEqual(take(q), ['a1', 'b1', 'c1', 'a2', 'b2', 'a3']);
  assert.equal(q.size, 0);
});

test('skipped keys keep their items and their turn', () => {
  const q = new FairQueue<string>();
  q.push('a', 'a1');
  q.push('b', 'b1');
  q.push('b', 'b2');
  assert.deepEqual(take(q, (k) => k === 'a'), ['b1', 'b2']);
  assert.deepEqual(take(q), ['a1']);
});

test('remove takes one item out; evictFor takes the newest of the longest queue, never from a shorter one', () => {
  const q = new FairQueue<string>();
  for (const x of ['a1', 'a2', 'a3']) q.push('a', x);
  q.push('b', 'b1');
  q.remove('a', 'a2');
  q.remove('a', 'zz');
  assert.equal(q.size, 3);
  assert.equal(q.evictFor('c'), 'a3', 'a newcomer of a source with none displaces the newest of the longest');
  assert.equal(q.evictFor('a'), undefined, "a's own newcomer does not displace a's own");
  assert.equal(q.evictFor('b'), undefined, 'a is not longer than b with the newcomer');
  assert.deepEqual(take(q), ['a1', 'b1']);
});
