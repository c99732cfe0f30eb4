import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEVICE_LIST_HEAD, GROUP_RIGHTS, SITE_RIGHTS, deviceNameKey, type Device } from '@meshwork/protocol';
import { errorCode as code, addDevice, addGroup, addUser, call, principalOf, testSystem, type TestSystem } from '../../domain/testkit/system.js';

/** The web UI's order (device-index.ts): by deviceNameKey, equal keys in the list's order. */
const uiOrder = (list: Device[]): Device[] =>
  list.map((d, i) => ({ d, i, k: deviceNameKey(d.name) })).sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : a.i - b.i)).map((x) => x.d);

describe('device list head (the first screen)', () => {
  let t: TestSystem;
  before(async () => {
    t = await testSystem();
  });
  after(() => t.close());

  it('is the first devices of the whole list in natural name order, with the total', async () => {
    const { sys } = t;
    const admin = principalOf(await addUser(sys, 'head-admin', SITE_RIGHTS.admin));
    const g = await addGroup(sys, 'head-fleet');
    // 150 names whose natural order differs from plain ASCII order (kiosk-9 < kiosk-10), with ties in case.
    for (let i = 149; i >= 0; i--) await addDevice(sys, g.id, i % 50 === 0 ? `KIOSK-${i}` : `kiosk-${i}`);
    await addDevice(sys, g.id, 'kiosk-5'); // equal key to an existing one
    const all = await call(sys, 'devices.list', admin, { query: { groupId: g.id } });
    const head = await call(sys, 'devices.listHead', admin, { query: { groupId: g.id } });
    assert.equal(head.total, 151);
    assert.equal(head.devices.length, DEVICE_LIST_HEAD);
    assert.deepEqual(head.devices, uiOrder(all).slice(0, DEVICE_LIST_HEAD));
    assert.deepEqual(head.devices.slice(0, 4).map((d) => d.name), ['KIOSK-0', 'kiosk-1', 'kiosk-2', 'kiosk-3']);
    const small = await call(sys, 'devices.listHead', admin, { query: { groupId: g.id, limit: 7 } });
    assert.deepEqual(small, { total: 151, devices: uiOrder(all).slice(0, 7) });
    const everything = await call(sys, 'devices.listHead', admin, { query: { groupId: g.id, limit: 1000 } });
    assert.deepEqual(everything.devices, uiOrder(all));
  });

  it('counts and shows only what the caller may see, and follows changes at once', async () => {
    const { sys } = t;
    const admin = principalOf(await addUser(sys, 'head-admin-2', SITE_RIGHTS.admin));
    const carol = await addUser(sys, 'head-carol');
    const hers = await addGroup(sys, 'head-hers', [{ subjectId: carol.id, rights: GROUP_RIGHTS.notes }]);
    const hidden = await addGroup(sys, 'head-hidden');
    const d = await addDevice(sys, hers.id, 'b-visible');
    await addDevice(sys, hidden.id, 'a-hidden');
    const p = principalOf(carol);
    assert.deepEqual((await call(sys, 'devices.listHead', p, { query: {} })).devices.map((x) => x.name), ['b-visible']);
    assert.equal((await call(sys, 'devices.listHead', p, { query: {} })).total, 1);
    assert.equal(await code(call(sys, 'devices.listHead', p, { query: { groupId: hidden.id } })), 'not_found');
    assert.deepEqual(await call(sys, 'devices.listHead', principalOf(await addUser(sys, 'head-nobody')), { query: {} }), { total: 0, devices: [] });

    await call(sys, 'devices.update', admin, { params: { id: d.id }, body: { name: 'c-renamed' } });
    assert.deepEqual((await call(sys, 'devices.listHead', p, { query: {} })).devices.map((x) => x.name), ['c-renamed']);
    await call(sys, 'devices.update', admin, { params: { id: d.id }, body: { groupId: hidden.id } });
    assert.deepEqual(await call(sys, 'devices.listHead', p, { query: {} }), { total: 0, devices: [] });
  });
});
