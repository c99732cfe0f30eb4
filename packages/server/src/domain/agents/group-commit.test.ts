// GroupCommit: writes within the window share one applyWrites; one commit at a time, with what
// arrives meanwhile gathered into the next; nothing resolves before its commit; batches capped.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { StoreWrite, StoreWriteResult } from '@meshwork/store';
import { GroupCommit } from './group-commit.js';

const touch = (id: string): StoreWrite => ({ kind: 'touchDevice', deviceId: id, lastSeen: 1_795_000_000_000 });

/** A store whose commits finish only when the test says so. */
function slowStore() {
  const calls: StoreWrite[][] = [];
  const finish: Array<() => void> = [];
  return {
    calls,
    finishNext: () => finish.shift()?.(),
    applyWrites: (writes: StoreWrite[]): Promise<StoreWriteResult[]> => {
      calls.push(writes);
      return new Promise((resolve) => finish.push(() => resolve(writes.map(() => ({ status: 'ok' as const })))));
    },
  };
}
const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('GroupCommit', () => {
  it('gathers writes submitted while a commit is in flight into one next commit', async () => {
    const store = slowStore();
    const gc = new GroupCommit(store, 5);
    let firstDone = false;
    const first = gc.submit([touch('a')]).then((r) => ((firstDone = true), r));
    await tick(20);
    assert.equal(store.calls.length, 1);
    const later = [gc.submit([touch('b')]), gc.submit([touch('c'), touch('d')])];
    await tick(20);
    assert.equal(store.calls.length, 1, 'no second commit while the first is in flight');
    assert.equal(firstDone, false, 'nothing resolves before its commit');
    store.finishNext();
    assert.deepEqual(await first, [{ status: 'ok' }]);
    await tick();
    assert.equal(store.calls.length, 2);
    assert.deepEqual(store.calls[1]?.map((w) => (w.kind === 'touchDevice' ? w.deviceId : '')), ['b', 'c', 'd']);
    store.finishNext();
    assert.deepEqual((await Promise.all(later)).map((r) => r.length), [1, 2]);
  });

  it('caps a batch at maxWrites (whole submissions) and commits the rest next', async () => {
    const store = slowStore();
    const gc = new GroupCommit(store, 5, 3);
    const all = [gc.submit([touch('a'), touch('b')]), gc.submit([touch('c'), touch('d')]), gc.submit([touch('e')])];
    await tick(20);
    assert.deepEqual(store.calls.map((c) => c.length), [2]);
    store.finishNext();
    await tick();
    assert.deepEqual(store.calls.map((c) => c.length), [2, 3]);
    store.finishNext();
    assert.deepEqual((await Promise.all(all)).map((r) => r.length), [2, 2, 1]);
  });

  it('flush waits for the commit in flight and writes what is left', async () => {
    const store = slowStore();
    const gc = new GroupCommit(store, 1_000);
    const a = gc.submit([touch('a')]);
    const flushing = gc.flush();
    await tick();
    const b = gc.submit([touch('b')]);
    let flushed = false;
    const f2 = gc.flush().then(() => (flushed = true));
    store.finishNext();
    await tick();
    store.finishNext();
    await Promise.all([a, b, flushing, f2]);
    assert.equal(flushed, true);
    assert.deepEqual(store.calls.map((c) => c.length), [1, 1]);
  });

  it('rejects every submission of a failed commit', async () => {
    const gc = new GroupCommit({ applyWrites: () => Promise.reject(new Error('disk')) }, 1);
    await Promise.all([assert.rejects(gc.submit([touch('a')]), /disk/), assert.rejects(gc.submit([touch('b')]), /disk/)]);
  });
});
