/**
 * The device-list cache in the real server with --workers 2: each worker keeps its own answer,
 * and a change made through either worker, or by another process writing the same file, shows
 * in the next answer of both.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Device } from '@meshwork/protocol';
import type { Store } from '@meshwork/store';
import { openSqliteStore } from '@meshwork/store-sqlite';
import { WORKER_HEADER } from '../cluster/messages.js';
import { removeDir, startWithAdmin, type Browser, type ServerProc } from '../testing/server-process.js';

describe('devices.list cache across workers (--workers 2)', () => {
  let server: ServerProc;
  let admin: Browser;
  let store: Store;
  let groupId: string;
  const ids = [randomBytes(48).toString('hex'), randomBytes(48).toString('hex')] as const;

  /** Lists until both workers answered (round-robin); every answer must satisfy `check`. */
  async function eachWorker(check: (list: Device[]) => void): Promise<void> {
    const seen = new Set<number>();
    for (let i = 0; i < 20 && seen.size < 2; i++) {
      const r = await admin.call('GET', '/api/v1/devices');
      assert.equal(r.status, 200, r.text);
      seen.add(Number(r.headers[WORKER_HEADER]));
      check(r.json as Device[]);
    }
    assert.equal(seen.size, 2, 'both workers answered');
  }
  const byId = (list: Device[], id: string): Device | undefined => list.find((d) => d.id === id);

  before(async () => {
    ({ server, admin } = await startWithAdmin('admin', 'correct horse battery', ['--workers', '2']));
    const g = await admin.call('POST', '/api/v1/groups', { body: { name: 'fleet' } });
    assert.equal(g.status, 200, g.text);
    groupId = (g.json as { id: string }).id;
    // Devices are written as the CLI (another process) would: straight into the file.
    store = await openSqliteStore(join(server.dataDir, 'meshwork.db'));
    for (const [i, id] of ids.entries()) {
      await store.upsertDevice({ id, groupId, name: `box-${i}`, tags: [], notes: '', os: null, info: {}, infoHash: null, lastSeen: null, createdAt: Date.now() });
    }
  });

  after(async () => {
    await store?.close();
    if (server) {
      await server.stop('SIGKILL');
      removeDir(server.dataDir);
    }
  });

  it('every answer of both workers follows renames through the API and writes of another process', async () => {
    await eachWorker((l) => assert.deepEqual(l.map((d) => d.name).sort(), ['box-0', 'box-1']));
    await eachWorker((l) => assert.equal(l.length, 2)); // both workers answer from their kept lists now

    const r = await admin.call('PATCH', `/api/v1/devices/${ids[0]}`, { body: { name: 'renamed-via-api' } });
    assert.equal(r.status, 200, r.text);
    await eachWorker((l) => assert.equal(byId(l, ids[0])?.name, 'renamed-via-api'));

    await store.updateDevice(ids[1], { name: 'renamed-elsewhere' });
    await eachWorker((l) => assert.equal(byId(l, ids[1])?.name, 'renamed-elsewhere'));

    await store.setPresence({ deviceId: ids[1], workerId: 'another-host', connectionId: 'c', connectedAt: Date.now(), remoteAddress: '192.0.2.7' });
    await eachWorker((l) => assert.equal(byId(l, ids[1])?.online, true));

    const del = await admin.call('DELETE', `/api/v1/devices/${ids[0]}`);
    assert.equal(del.status, 200, del.text);
    await eachWorker((l) => assert.deepEqual(l.map((d) => d.id), [ids[1]]));
  });
});
