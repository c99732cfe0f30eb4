/**
 * Presence cleanup rules with several workers on one store:
 *   - before any worker runs (single process, or the primary before forking) every row is stale;
 *   - a cluster worker starting never touches rows (its siblings' are live);
 *   - a worker shutting down clears only its own rows;
 *   - the primary clears a dead worker's rows, taking those devices offline — except a device that
 *     already reconnected elsewhere (its row belongs to the new connection now).
 */
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PresenceRecord } from '@meshwork/store';
import { IpcBus, type IpcPort } from '../bus/ipc-bus.js';
import { clearStalePresence, recordWorkerLost, recordWorkerShutdown } from '../domain/agents/lifecycle.js';
import { addDevice, addGroup, testSystem, type TestSystem } from '../domain/testkit/system.js';
import { startAgentServer } from '../ws/agent/testing/agent-server.js';

const row = (deviceId: string, workerId: string, connectionId = `${workerId}-c`): PresenceRecord => ({ deviceId, workerId, connectionId, connectedAt: 1, remoteAddress: '127.0.0.9' });
const quietPort: IpcPort = { send: (_m, cb) => cb(null), onMessage: () => () => {} };

describe('presence cleanup with several workers', () => {
  let t: TestSystem;
  let devices: string[];

  beforeEach(async () => {
    t = await testSystem();
    const g = await addGroup(t.sys, 'g');
    devices = [];
    for (const name of ['a', 'b', 'c', 'd']) devices.push((await addDevice(t.sys, g.id, name)).id);
    const [a, b, c, d] = devices as [string, string, string, string];
    for (const r of [row(a, 'dead'), row(b, 'dead'), row(c, 'live'), row(d, 'test-worker')]) await t.sys.store.setPresence(r);
  });
  afterEach(() => t.close());

  const workersOf = async (): Promise<string[]> => (await t.sys.store.listPresence()).map((r) => r.workerId).sort();

  it('before any worker runs, every row is stale and goes, with a timeline entry', async () => {
    assert.equal(await clearStalePresence(t.sys), 4);
    assert.deepEqual(await workersOf(), []);
    const timeline = await t.sys.store.listTimeline(devices[2] ?? '', 0);
    assert.deepEqual(timeline.map((e) => [e.state, e.detail]), [['offline', 'server restarted']]);
  });

  it('a cluster worker starting its agent endpoint leaves every row alone', async () => {
    const sys = { ...t.sys, bus: new IpcBus('new-worker', quietPort) };
    const srv = await startAgentServer(sys);
    try {
      assert.deepEqual(await workersOf(), ['dead', 'dead', 'live', 'test-worker']);
    } finally {
      await srv.close();
    }
  });

  it('a worker shutting down clears only its own rows', async () => {
    await recordWorkerShutdown(t.sys, [devices[3] ?? ''], 1_000, () => 0);
    assert.deepEqual(await workersOf(), ['dead', 'dead', 'live']);
  });

  it('the primary clears a dead worker: its devices go offline, one that reconnected elsewhere stays online', async () => {
    const [a, b] = devices as [string, string];
    await t.sys.store.setPresence(row(b, 'live', 'newer')); // b reconnected to a live worker
    const r = await recordWorkerLost(t.sys, 'dead', 1_000, () => 0);
    assert.deepEqual(r, { offline: 1, skipped: 0 });
    assert.deepEqual(await workersOf(), ['live', 'live', 'test-worker']);
    const offline = await t.sys.store.listEvents({ type: 'device.offline', limit: 10 });
    assert.deepEqual(offline.map((e) => [e.deviceId, e.data.reason]), [[a, 'server worker stopped unexpectedly']]);
    assert.equal((await t.sys.store.getPresence(b))?.connectionId, 'newer');
  });

  it('past its time budget the primary still removes every row of the dead worker', async () => {
    let now = 0;
    const r = await recordWorkerLost(t.sys, 'dead', 5, () => (now += 10));
    assert.deepEqual(r, { offline: 0, skipped: 2 });
    assert.deepEqual(await workersOf(), ['live', 'test-worker']);
  });
});
