// Db.txWhenFree: a write that meets another connection's write lock waits on timers, not in
// SQLite's busy handler, so the process keeps serving its event loop (server workers share one file).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoreError } from '@meshwork/store';
import { BUSY_TIMEOUT_MS, openDatabase, type Db } from './db.js';

let dir = '';
let a: Db;
let b: Db;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshwork-sqlite-lock-'));
  const file = join(dir, 'lock.db');
  a = openDatabase(file);
  b = openDatabase(file);
  a.raw.exec('CREATE TABLE t (v INTEGER)');
});
after(async () => {
  a.close();
  b.close();
  await rm(dir, { recursive: true, force: true });
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('txWhenFree', () => {
  it('waits for another connection’s write lock without blocking the event loop, then runs fn once', async () => {
    a.raw.exec('BEGIN IMMEDIATE');
    a.raw.exec('INSERT INTO t VALUES (1)');
    let runs = 0;
    let done = false;
    const write = b.txWhenFree(() => {
      runs++;
      b.raw.prepare('INSERT INTO t VALUES (2)').run();
      return 'written';
    }).finally(() => (done = true));
    // The loop turns while b waits: timers fire, and b has not written.
    const ticks: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await sleep(10);
      ticks.push(performance.now() - t0);
    }
    assert.equal(done, false);
    assert.equal(runs, 0);
    assert.ok(ticks.every((ms) => ms < 1000), `event loop blocked: ${ticks.join(', ')} ms`);
    a.raw.exec('COMMIT');
    assert.equal(await write, 'written');
    assert.equal(runs, 1);
    assert.deepEqual(b.raw.prepare('SELECT v FROM t ORDER BY v').pluck().all(), [1, 2]);
    // The connection's own busy_timeout is back for its other (blocking) statements.
    assert.equal(Number(b.raw.pragma('busy_timeout', { simple: true })), BUSY_TIMEOUT_MS);
  });

  it('gives up with `unavailable` when the lock stays taken past the timeout, having run nothing', async () => {
    a.raw.exec('BEGIN IMMEDIATE');
    let runs = 0;
    try {
      await assert.rejects(b.txWhenFree(() => runs++, { timeoutMs: 60 }), (e: unknown) => e instanceof StoreError && e.code === 'unavailable');
    } finally {
      a.raw.exec('ROLLBACK');
    }
    assert.equal(runs, 0);
    assert.equal(Number(b.raw.pragma('busy_timeout', { simple: true })), BUSY_TIMEOUT_MS);
  });

  it('passes fn’s own errors through and rolls back', async () => {
    await assert.rejects(b.txWhenFree(() => {
      b.raw.prepare('INSERT INTO t VALUES (3)').run();
      throw new Error('boom');
    }), /boom/);
    assert.equal(b.raw.prepare('SELECT count(*) FROM t WHERE v = 3').pluck().get(), 0);
    assert.equal(b.raw.inTransaction, false);
  });
});
