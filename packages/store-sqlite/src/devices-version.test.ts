// devicesVersion across connections: each worker process (and the CLI) has its own connection to
// the one file, and a write through any of them must change the version every other one reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from './sqlite-store.js';

const hex = (n: number): string => n.toString(16).padStart(96, '0');

test('a write through one connection changes the version another connection reads', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'meshwork-devices-version-'));
  const file = join(dir, 'meshwork.db');
  const a = await openSqliteStore(file);
  const b = await openSqliteStore(file);
  t.after(async () => {
    await a.close();
    await b.close();
    await rm(dir, { recursive: true, force: true });
  });
  await a.createDeviceGroup({ id: hex(1), name: 'g', description: '', createdAt: 1 });
  const device = { id: hex(2), groupId: hex(1), name: 'one', tags: [], notes: '', os: null, info: {}, infoHash: null, lastSeen: null, createdAt: 1 };

  const steps: [string, () => Promise<unknown>][] = [
    ['a: upsertDevice', () => a.upsertDevice(device)],
    ['b: updateDevice', () => b.updateDevice(device.id, { name: 'two' })],
    ['a: setPresence', () => a.setPresence({ deviceId: device.id, workerId: 'w', connectionId: 'c', connectedAt: 1, remoteAddress: '192.0.2.1' })],
    ['b: clearPresenceOfWorker', () => b.clearPresenceOfWorker('w')],
    ['b: deleteDeviceGroup', () => b.deleteDeviceGroup(hex(1))],
  ];
  for (const [what, write] of steps) {
    const before = [await a.devicesVersion(), await b.devicesVersion()];
    await write();
    assert.notEqual(await a.devicesVersion(), before[0], `${what}, seen by a`);
    assert.notEqual(await b.devicesVersion(), before[1], `${what}, seen by b`);
  }
  const still = [await a.devicesVersion(), await b.devicesVersion()];
  await a.listDeviceSummaries();
  await b.listPresence();
  assert.deepEqual([await a.devicesVersion(), await b.devicesVersion()], still, 'reads change nothing');
});
