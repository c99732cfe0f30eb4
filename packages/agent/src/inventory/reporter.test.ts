import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AgentSessionFrame } from '@meshwork/protocol';
import { silentLogger } from '../connection/log.js';
import { fakeSoftware, fakeSystem } from '../run/testing/fixtures.js';
import { reportHash } from './hash.js';
import { Reporter, type Collectors } from './reporter.js';

const timing = { inventoryIntervalMs: 3_600_000, softwareIntervalMs: 3_600_000 };
const link = () => {
  const sent: AgentSessionFrame[] = [];
  return { sent, send: (f: AgentSessionFrame) => (sent.push(f), Promise.resolve(1)) };
};

test('nothing is sent before `known`; then only what the server lacks', async () => {
  const r = new Reporter({ collectors: { system: async () => fakeSystem(), software: async () => fakeSoftware() }, timing, log: silentLogger });
  await Promise.all([r.refresh('inventory'), r.refresh('software')]);
  const l = link();
  r.attach(l);
  assert.equal(l.sent.length, 0);
  assert.equal(r.pending(), 2);
  r.known({ type: 'known', inventoryHash: reportHash(fakeSystem()), softwareHash: null });
  assert.deepEqual(l.sent.map((f) => f.type), ['software']);
  assert.equal(r.pending(), 0);
  r.known({ type: 'known', inventoryHash: reportHash(fakeSystem()), softwareHash: reportHash(fakeSoftware()) });
  assert.equal(l.sent.length, 1, 'a repeated known sends nothing new');
  r.stop();
});

test('a report that breaks the schema or the frame limit is dropped, not sent', async () => {
  const collectors: Collectors = {
    system: async () => ({ ...fakeSystem(), hostname: 'bad\u0007host' }),
    software: async () => ({ source: 'dpkg', packages: Array.from({ length: 20_000 }, (_, i) => ({ name: `p${i}-${'x'.repeat(200)}`, version: '1' })) }),
  };
  const r = new Reporter({ collectors, timing, log: silentLogger });
  await Promise.all([r.refresh('inventory'), r.refresh('software')]);
  const l = link();
  r.attach(l);
  r.known({ type: 'known', inventoryHash: null, softwareHash: null });
  assert.deepEqual(l.sent, []);
  r.stop();
});

test('collections are single-flight and keep one snapshot per kind', async () => {
  let calls = 0;
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  const r = new Reporter({
    collectors: { system: async () => (calls++, await gate, fakeSystem(`h${calls}`)), software: async () => fakeSoftware() },
    timing,
    log: silentLogger,
  });
  const a = r.refresh('inventory');
  const b = r.refresh('inventory');
  assert.equal(a, b);
  release();
  await a;
  assert.equal(calls, 1);
  for (let i = 0; i < 20; i++) await r.refresh('inventory');
  await r.refresh('software');
  assert.equal(r.pending(), 2);
  r.stop();
});

test('while a re-collection runs, the snapshot it replaces is not sent; the new one is', async () => {
  let host = 'old';
  let release: () => void = () => undefined;
  let gated = false;
  const r = new Reporter({
    collectors: {
      system: async () => {
        const h = host;
        if (gated) await new Promise<void>((res) => (release = res));
        return fakeSystem(h);
      },
      software: async () => fakeSoftware(),
    },
    timing,
    log: silentLogger,
  });
  await Promise.all([r.refresh('inventory'), r.refresh('software')]);
  gated = true;
  host = 'new';
  const running = r.refresh('inventory');
  const l = link();
  r.attach(l);
  r.known({ type: 'known', inventoryHash: null, softwareHash: reportHash(fakeSoftware()) });
  assert.equal(l.sent.length, 0, 'the old inventory is held back');
  release();
  await running;
  assert.deepEqual(l.sent.map((f) => (f.type === 'inventory' ? f.inventory.hostname : f.type)), ['new']);
  r.stop();
});

test('one report at a time: the next goes once the one before is through; none after the session ended', async () => {
  const sent: AgentSessionFrame[] = [];
  const through: Array<(frames: number) => void> = [];
  const slow = { send: (f: AgentSessionFrame) => (sent.push(f), new Promise<number>((res) => through.push(res))) };
  const reported: string[] = [];
  const r = new Reporter({ collectors: { system: async () => fakeSystem(), software: async () => fakeSoftware() }, timing, log: silentLogger, onSent: (k) => reported.push(k) });
  await Promise.all([r.refresh('inventory'), r.refresh('software')]);
  r.attach(slow);
  r.known({ type: 'known', inventoryHash: null, softwareHash: null });
  assert.deepEqual(sent.map((f) => f.type), ['inventory'], 'software waits for the inventory (e.g. its parts) to be through');
  await r.refresh('inventory'); // a flush while the first is in flight sends nothing more
  assert.equal(sent.length, 1);
  through[0]?.(12);
  await new Promise((res) => setImmediate(res));
  assert.deepEqual(sent.map((f) => f.type), ['inventory', 'software']);
  assert.deepEqual(reported, ['inventory']);

  through[1]?.(0); // the session ended before the software was through
  await new Promise((res) => setImmediate(res));
  assert.deepEqual(reported, ['inventory'], 'not reported as sent');
  r.detach();
  const l = link();
  r.attach(l);
  r.known({ type: 'known', inventoryHash: reportHash(fakeSystem()), softwareHash: null });
  assert.deepEqual(l.sent.map((f) => f.type), ['software'], "the next session's known decides: sent again");
  r.stop();
});
