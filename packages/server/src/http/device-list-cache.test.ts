import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { GROUP_RIGHTS, SITE_RIGHTS, type Device } from '@meshwork/protocol';
import { openSqliteStore } from '@meshwork/store-sqlite';
import type { Store } from '@meshwork/store';
import { addDevice, addGroup, addUser, call, principalOf, testSystem, type TestSystem } from '../domain/testkit/system.js';
import type { Principal } from '../system.js';
import { DeviceListCache, deviceListCache, scopeKey, type DeviceLists } from './device-list-cache.js';
import type { RequestContext } from './handler.js';
import { handlers } from './handlers/index.js';
import { PreparedJson } from './prepared-json.js';

const lists = (devices: Device[]): DeviceLists => ({
  all: PreparedJson.prepare('devices.list', devices),
  head: PreparedJson.prepare('devices.listHead', { total: devices.length, devices: devices.slice(0, 1) }),
});
const names = (list: Device[]): string[] => list.map((d) => d.name).sort();

describe('DeviceListCache', () => {
  it('keeps an answer per scope while the version stays; a new version drops every kept answer', async () => {
    const c = new DeviceListCache();
    let builds = 0;
    const build = async (): Promise<DeviceLists> => (builds++, lists([]));
    const first = await c.lists('a', 'v1', build);
    assert.equal(await c.lists('a', 'v1', build), first);
    await c.lists('b', 'v1', build);
    assert.equal(builds, 2);
    assert.equal(c.size, 2);
    assert.notEqual(await c.lists('a', 'v2', build), first);
    assert.equal(builds, 3);
    assert.equal(c.size, 1, 'the v1 answer of b went too');
  });

  it('shares one build between concurrent misses and keeps no failed build', async () => {
    const c = new DeviceListCache();
    let builds = 0;
    let release = (): void => {};
    const slow = (): Promise<DeviceLists> => (builds++, new Promise((r) => (release = () => r(lists([])))));
    const both = Promise.all([c.lists('a', 'v', slow), c.lists('a', 'v', slow)]);
    release();
    const [x, y] = await both;
    assert.equal(x, y);
    assert.equal(builds, 1);
    await assert.rejects(c.lists('b', 'v', () => Promise.reject(new Error('store down'))), /store down/);
    await new Promise((r) => setImmediate(r));
    assert.equal(c.size, 1, 'the failed answer is not kept');
  });

  it('drops the least recently used answers beyond its limits', async () => {
    const c = new DeviceListCache({ entries: 2, bytes: 1 << 20 });
    const build = async (): Promise<DeviceLists> => lists([]);
    await c.lists('a', 'v', build);
    await c.lists('b', 'v', build);
    await c.lists('a', 'v', build); // a is now newer than b
    await c.lists('c', 'v', build);
    assert.equal(c.size, 2);
    let rebuilt = false;
    await c.lists('a', 'v', async () => ((rebuilt = true), lists([])));
    assert.equal(rebuilt, false, 'a was kept, b was dropped');
    const tiny = new DeviceListCache({ entries: 10, bytes: 3 });
    await tiny.lists('a', 'v', build); // ~30 bytes: over the limit alone
    await tiny.lists('b', 'v', build);
    await new Promise((r) => setImmediate(r));
    assert.equal(tiny.size, 1);
  });

  it('keys a scope by its exact, sorted set of groups', () => {
    assert.equal(scopeKey(undefined), '*');
    assert.equal(scopeKey(['b', 'a']), scopeKey(['a', 'b']));
    assert.notEqual(scopeKey(['a']), scopeKey(['a', 'b']));
  });
});

describe('devices.list from the cache', () => {
  let t: TestSystem;
  before(async () => {
    t = await testSystem();
  });
  after(() => t.close());

  /** The handler's raw result (a PreparedJson when it came from the cache). */
  const raw = (p: Principal, query: Record<string, string> = {}): Promise<unknown> =>
    handlers['devices.list']({ sys: t.sys, principal: p, query } as unknown as RequestContext<'devices.list'>);
  const list = (p: Principal, query: Record<string, string> = {}): Promise<Device[]> => call(t.sys, 'devices.list', p, { query });

  it('serves a kept answer until a rename, a presence change, a move or a deletion, each seen at once', async () => {
    const { sys } = t;
    const admin = principalOf(await addUser(sys, 'cache-admin', SITE_RIGHTS.admin));
    const g = await addGroup(sys, 'cache-a');
    const other = await addGroup(sys, 'cache-b');
    const d = await addDevice(sys, g.id, 'kiosk-1');
    await addDevice(sys, g.id, 'kiosk-2');

    const first = await raw(admin);
    assert.ok(first instanceof PreparedJson);
    assert.equal(await raw(admin), first, 'the second request is served the same bytes');

    await call(sys, 'devices.update', admin, { params: { id: d.id }, body: { name: 'renamed' } });
    assert.notEqual(await raw(admin), first);
    assert.deepEqual(names(await list(admin)), ['kiosk-2', 'renamed']);

    await sys.store.setPresence({ deviceId: d.id, workerId: 'w1', connectionId: 'c1', connectedAt: sys.now(), remoteAddress: '192.0.2.1' });
    assert.equal((await list(admin)).find((x) => x.id === d.id)?.online, true);
    await sys.store.clearPresence(d.id, 'c1');
    assert.equal((await list(admin)).find((x) => x.id === d.id)?.online, false);

    await call(sys, 'devices.update', admin, { params: { id: d.id }, body: { groupId: other.id } });
    assert.deepEqual(names(await list(admin, { groupId: g.id })), ['kiosk-2']);
    assert.deepEqual(names(await list(admin, { groupId: other.id })), ['renamed']);

    await call(sys, 'groups.delete', admin, { params: { id: other.id } });
    assert.deepEqual(names(await list(admin)).filter((n) => n.startsWith('kiosk') || n === 'renamed'), ['kiosk-2']);
    await call(sys, 'devices.delete', admin, { params: { id: (await list(admin, { groupId: g.id }))[0]!.id } });
    assert.deepEqual(await list(admin, { groupId: g.id }), []);
  });

  it('a write through another connection to the same file (another worker, the CLI) is seen at once', async () => {
    const { sys } = t;
    const admin = principalOf(await addUser(sys, 'cache-admin-2', SITE_RIGHTS.admin));
    const g = await addGroup(sys, 'cache-elsewhere');
    const d = await addDevice(sys, g.id, 'before');
    assert.deepEqual(names(await list(admin, { groupId: g.id })), ['before']);
    const elsewhere: Store = await openSqliteStore(join(t.dir, 'meshwork.db'));
    try {
      await elsewhere.updateDevice(d.id, { name: 'after' });
      assert.deepEqual(names(await list(admin, { groupId: g.id })), ['after']);
      await elsewhere.setPresence({ deviceId: d.id, workerId: 'w2', connectionId: 'c2', connectedAt: sys.now(), remoteAddress: '192.0.2.2' });
      assert.equal((await list(admin, { groupId: g.id }))[0]?.online, true);
    } finally {
      await elsewhere.close();
    }
  });

  it('each caller gets exactly the devices of the groups it may view, also after rights change', async () => {
    const { sys } = t;
    const admin = principalOf(await addUser(sys, 'scope-admin', SITE_RIGHTS.admin));
    const alice = await addUser(sys, 'scope-alice');
    const bob = await addUser(sys, 'scope-bob');
    const nobody = await addUser(sys, 'scope-nobody');
    const shared = await addGroup(sys, 'scope-shared', [{ subjectId: alice.id, rights: GROUP_RIGHTS.notes }, { subjectId: bob.id, rights: GROUP_RIGHTS.notes }]);
    const bobs = await addGroup(sys, 'scope-bob-only', [{ subjectId: bob.id, rights: GROUP_RIGHTS.notes }]);
    await addDevice(sys, shared.id, 'shared-1');
    await addDevice(sys, bobs.id, 'bob-1');
    const a = principalOf(alice), b = principalOf(bob);

    // Fill the cache in every order: the widest scope first, then the narrower ones.
    assert.ok(names(await list(admin)).includes('bob-1'));
    assert.deepEqual(names(await list(b)), ['bob-1', 'shared-1']);
    assert.deepEqual(names(await list(a)), ['shared-1']);
    assert.deepEqual(names(await list(a)), ['shared-1'], 'kept, still only hers');
    assert.deepEqual(await list(principalOf(nobody)), []);
    assert.deepEqual(names(await list(b, { groupId: bobs.id })), ['bob-1']);

    // Alice is given the group: her scope is Bob's now (a shared entry); taken away, hers again.
    await call(sys, 'groups.setRights', admin, { params: { id: bobs.id, subjectId: alice.id }, body: { rights: ['notes'] } });
    assert.deepEqual(names(await list(a)), ['bob-1', 'shared-1']);
    await call(sys, 'groups.removeRights', admin, { params: { id: bobs.id, subjectId: alice.id } });
    assert.deepEqual(names(await list(a)), ['shared-1']);
    assert.deepEqual(names(await list(b)), ['bob-1', 'shared-1']);
    assert.ok(deviceListCache(sys.store).size >= 1);
  });

  it('filtered lists (tag, text) are not kept and stay exact', async () => {
    const { sys } = t;
    const admin = principalOf(await addUser(sys, 'filter-admin', SITE_RIGHTS.admin));
    const g = await addGroup(sys, 'filtered');
    await addDevice(sys, g.id, 'tagged-box', { tags: ['rare-tag'] });
    const r = await raw(admin, { tag: 'rare-tag' });
    assert.ok(Array.isArray(r));
    assert.deepEqual(names(r as Device[]), ['tagged-box']);
    assert.deepEqual(names(await list(admin, { q: 'TAGGED' })), ['tagged-box']);
  });
});
