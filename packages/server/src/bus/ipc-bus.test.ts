/**
 * IpcBus over real node:cluster workers (testing/ipc-bus-worker.ts): every worker receives every
 * message, the sender's own included, each sender's messages in publish order, and all workers in
 * the same order. Plus the envelope guard and a fake-port check of the worker side.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { IpcBus, IpcBusHub, isBusEnvelope, type BusEnvelope, type IpcPort } from './ipc-bus.js';

const HELPER = fileURLToPath(new URL('./testing/ipc-bus-worker.js', import.meta.url));

interface Report {
  mw: 'test';
  workerId: string;
  ready?: boolean;
  received?: Array<{ from: string; seq: number }>;
  subscriberErrors?: number;
}
const isReport = (m: unknown): m is Report => typeof m === 'object' && m !== null && (m as { mw?: unknown }).mw === 'test';

describe('IpcBus across cluster workers', () => {
  const WORKERS = 3;
  const PER_WORKER = 200;
  const FROM_PRIMARY = 50;
  let hub: IpcBusHub;
  const workers: Worker[] = [];
  const reports = new Map<string, Report>();
  let onReport: () => void = () => {};

  before(async () => {
    hub = new IpcBusHub('primary', () => workers);
    cluster.setupPrimary({ exec: HELPER, args: [], silent: false });
    const ready = new Set<string>();
    await new Promise<void>((resolve, reject) => {
      for (let i = 0; i < WORKERS; i++) {
        const w = cluster.fork({ MW_TEST_WORKER_ID: `w${i + 1}` });
        w.on('error', reject);
        w.on('message', (m: unknown) => {
          if (hub.relay(m) || !isReport(m)) return;
          if (m.ready) {
            ready.add(m.workerId);
            if (ready.size === WORKERS) resolve();
          } else {
            reports.set(m.workerId, m);
            onReport();
          }
        });
        workers.push(w);
      }
    });
  });

  after(async () => {
    await hub.close();
    await Promise.all(workers.map((w) => new Promise<void>((r) => (w.isDead() ? r() : (w.once('exit', () => r()), w.kill())))));
  });

  it('delivers every message to every worker, per-sender order kept, one total order', async () => {
    const total = WORKERS * PER_WORKER + FROM_PRIMARY;
    const primarySaw: Array<{ from: string; seq: number }> = [];
    hub.subscribe('test', (m) => primarySaw.push(m as { from: string; seq: number }));
    const done = new Promise<void>((resolve) => (onReport = () => reports.size === WORKERS && resolve()));
    for (const w of workers) w.send({ mw: 'test', cmd: 'publish', count: PER_WORKER, expect: total });
    for (let seq = 0; seq < FROM_PRIMARY; seq++) await hub.publish('test', { from: 'primary', seq });
    await done;

    const orders: string[] = [];
    for (const [id, r] of reports) {
      const got = r.received ?? [];
      assert.equal(got.length, total, `${id} received everything`);
      assert.equal(r.subscriberErrors, total, `${id}: the throwing subscriber ran for each message and did not stop the other`);
      for (const from of ['w1', 'w2', 'w3', 'primary']) {
        const seqs = got.filter((m) => m.from === from).map((m) => m.seq);
        const n = from === 'primary' ? FROM_PRIMARY : PER_WORKER;
        assert.deepEqual(seqs, Array.from({ length: n }, (_, i) => i), `${id}: messages of ${from} complete and in order`);
      }
      orders.push(JSON.stringify(got));
    }
    assert.equal(new Set(orders).size, 1, 'every worker saw the same order');
    assert.equal(primarySaw.length, total, "the primary's own subscribers see every message too");
  });
});

describe('IpcBus envelope and worker side', () => {
  it('recognises bus envelopes only', () => {
    assert.equal(isBusEnvelope({ mw: 'bus', channel: 'c', message: null }), true);
    for (const bad of [null, 'x', { mw: 'bus', channel: 1, message: 1 }, { mw: 'bus', channel: 'c' }, { mw: 'test', channel: 'c', message: 1 }]) {
      assert.equal(isBusEnvelope(bad), false, JSON.stringify(bad));
    }
  });

  it('publishes through the port, delivers only bus messages, rejects a failed send, stops after close', async () => {
    const sent: BusEnvelope[] = [];
    let listener: (m: unknown) => void = () => {};
    let fail = false;
    const port: IpcPort = {
      send: (m, cb) => {
        sent.push(m);
        queueMicrotask(() => cb(fail ? new Error('channel closed') : null));
      },
      onMessage: (l) => ((listener = l), () => (listener = () => {})),
    };
    const bus = new IpcBus('w1', port);
    const got: unknown[] = [];
    bus.subscribe('c', (m) => got.push(m));
    await bus.publish('c', { a: 1 });
    assert.deepEqual(sent, [{ mw: 'bus', channel: 'c', message: { a: 1 } }]);
    assert.deepEqual(got, [], 'nothing is delivered until the primary sends it back');
    listener({ mw: 'bus', channel: 'c', message: 'x' });
    listener({ mw: 'ctl', type: 'shutdown' });
    listener({ mw: 'bus', channel: 'other', message: 'y' });
    assert.deepEqual(got, ['x']);
    fail = true;
    await assert.rejects(bus.publish('c', 1), /channel closed/);
    await bus.close();
    listener({ mw: 'bus', channel: 'c', message: 'z' });
    assert.deepEqual(got, ['x']);
    await bus.publish('c', 2); // a closed bus drops quietly
    assert.equal(sent.length, 2);
  });
});
