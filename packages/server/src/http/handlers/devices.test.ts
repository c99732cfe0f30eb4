import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GROUP_FULL, GROUP_RIGHTS } from '@meshwork/protocol';
import { DEVICES_CHANNEL } from '../../bus/channels.js';
import { errorCode as code, addDevice, addGroup, addUser, call, principalOf, settle, testSystem, type TestSystem } from '../../domain/testkit/system.js';

describe('devices handlers', () => {
  let t: TestSystem;
  before(async () => {
    t = await testSystem();
  });
  after(() => t.close());

  it('list: only devices of visible groups; groupId/tag/q filters; online from presence', async () => {
    const { sys } = t;
    const u = await addUser(sys, 'lister');
    const mine = await addGroup(sys, 'Mine', [{ subjectId: u.id, rights: GROUP_RIGHTS.notes }]);
    const hidden = await addGroup(sys, 'Hidden');
    const a = await addDevice(sys, mine.id, 'Build-Server', { tags: ['linux', 'ci'] });
    const b = await addDevice(sys, mine.id, 'laptop', { tags: ['mac'], lastSeen: sys.now() });
    await addDevice(sys, hidden.id, 'secret-box');
    await sys.store.setPresence({ deviceId: b.id, workerId: 'w1', connectionId: 'c1', connectedAt: sys.now(), remoteAddress: '10.0.0.2' });
    const p = principalOf(u);

    const all = await call(sys, 'devices.list', p, { query: {} });
    assert.deepEqual(all.map((d) => d.name).sort(), ['Build-Server', 'laptop']);
    assert.equal(all.find((d) => d.id === b.id)?.online, true);
    assert.equal(all.find((d) => d.id === a.id)?.online, false);
    assert.equal(all.find((d) => d.id === b.id)?.lastSeen, new Date(sys.now()).toISOString());
    assert.deepEqual((await call(sys, 'devices.list', p, { query: { tag: 'ci' } })).map((d) => d.id), [a.id]);
    assert.deepEqual((await call(sys, 'devices.list', p, { query: { q: 'build' } })).map((d) => d.id), [a.id]);
    assert.deepEqual((await call(sys, 'devices.list', p, { query: { groupId: mine.id } })).length, 2);
    assert.equal(await code(call(sys, 'devices.list', p, { query: { groupId: hidden.id } })), 'not_found');
    const nobody = await addUser(sys, 'nobody');
    assert.deepEqual(await call(sys, 'devices.list', principalOf(nobody), { query: {} }), []);
  });

  it('get: visible devices only', async () => {
    const { sys } = t;
    const u = await addUser(sys, 'getter');
    const g = await addGroup(sys, 'Get', [{ subjectId: u.id, rights: GROUP_RIGHTS.chat }]);
    const d = await addDevice(sys, g.id, 'visible');
    const other = await addDevice(sys, (await addGroup(sys, 'Get-hidden')).id, 'invisible');
    assert.equal((await call(sys, 'devices.get', principalOf(u), { params: { id: d.id } })).name, 'visible');
    assert.equal(await code(call(sys, 'devices.get', principalOf(u), { params: { id: other.id } })), 'not_found');
  });

  it('update: name/tags need manageDevices, notes need notes; events and a device frame', async () => {
    const { sys } = t;
    const manager = await addUser(sys, 'manager');
    const annotator = await addUser(sys, 'annotator');
    const g = await addGroup(sys, 'Upd', [{ subjectId: manager.id, rights: GROUP_RIGHTS.manageDevices }, { subjectId: annotator.id, rights: GROUP_RIGHTS.notes }]);
    const d = await addDevice(sys, g.id, 'pc-1');
    const pa = principalOf(annotator);
    assert.equal(await code(call(sys, 'devices.update', pa, { params: { id: d.id }, body: { name: 'renamed' } })), 'forbidden');
    assert.equal((await call(sys, 'devices.update', pa, { params: { id: d.id }, body: { notes: 'in the lab' } })).notes, 'in the lab');
    assert.equal(await code(call(sys, 'devices.update', principalOf(manager), { params: { id: d.id }, body: { notes: 'x' } })), 'forbidden');

    const frames: unknown[] = [];
    const unsub = sys.bus.subscribe(DEVICES_CHANNEL, (m) => frames.push(m));
    const r = await call(sys, 'devices.update', principalOf(manager), { params: { id: d.id }, body: { name: 'pc-2', tags: ['a', 'b', 'a'] } });
    await settle();
    unsub();
    assert.equal(r.name, 'pc-2');
    assert.deepEqual(r.tags, ['a', 'b']);
    assert.deepEqual(frames, [{ type: 'device', device: r }]);
    const [e] = await call(sys, 'events.list', pa, { query: { deviceId: d.id, type: 'device.updated' } });
    assert.equal(e?.message, 'Renamed device pc-1 to pc-2');
    assert.equal(e?.actorId, manager.id);
  });

  it('update: moving needs manageDevices on both groups; streams get removal then the new view', async () => {
    const { sys } = t;
    const u = await addUser(sys, 'mover');
    const from = await addGroup(sys, 'From', [{ subjectId: u.id, rights: GROUP_FULL }]);
    const toOk = await addGroup(sys, 'To-ok', [{ subjectId: u.id, rights: GROUP_RIGHTS.manageDevices }]);
    const toView = await addGroup(sys, 'To-view', [{ subjectId: u.id, rights: GROUP_RIGHTS.notes }]);
    const toHidden = await addGroup(sys, 'To-hidden');
    const d = await addDevice(sys, from.id, 'moving');
    const p = principalOf(u);
    assert.equal(await code(call(sys, 'devices.update', p, { params: { id: d.id }, body: { groupId: toHidden.id } })), 'not_found');
    assert.equal(await code(call(sys, 'devices.update', p, { params: { id: d.id }, body: { groupId: toView.id } })), 'forbidden');
    assert.equal((await sys.store.getDevice(d.id))?.groupId, from.id);

    const frames: unknown[] = [];
    const unsub = sys.bus.subscribe(DEVICES_CHANNEL, (m) => frames.push(m));
    const r = await call(sys, 'devices.update', p, { params: { id: d.id }, body: { groupId: toOk.id } });
    await settle();
    unsub();
    assert.equal(r.groupId, toOk.id);
    assert.deepEqual(frames, [{ type: 'deviceRemoved', deviceId: d.id, groupId: from.id }, { type: 'device', device: r }]);
    const moved = await call(sys, 'events.list', p, { query: { type: 'device.moved' } });
    assert.deepEqual(moved.map((e) => [e.groupId, e.data]).sort(), [[from.id, { deviceId: d.id, from: from.id }], [toOk.id, { to: toOk.id }]].sort());
    // A viewer of the source group only: sees the move, never the destination group's id.
    const watcher = await addUser(sys, 'from-watcher');
    await sys.store.setRightsLink({ groupId: from.id, subjectId: watcher.id, subjectKind: 'user', rights: GROUP_RIGHTS.notes });
    const seen = await call(sys, 'events.list', principalOf(watcher), { query: {} });
    assert.equal(seen.filter((e) => e.type === 'device.moved').length, 1);
    assert.ok(!JSON.stringify(seen).includes(toOk.id), 'the destination group id does not reach the source group audience');
  });

  it('delete: needs manageDevices; removes the device and tells streams', async () => {
    const { sys } = t;
    const u = await addUser(sys, 'deleter');
    const weak = await addUser(sys, 'weak');
    const g = await addGroup(sys, 'Del', [{ subjectId: u.id, rights: GROUP_RIGHTS.manageDevices }, { subjectId: weak.id, rights: GROUP_RIGHTS.notes }]);
    const d = await addDevice(sys, g.id, 'gone');
    assert.equal(await code(call(sys, 'devices.delete', principalOf(weak), { params: { id: d.id } })), 'forbidden');
    const frames: unknown[] = [];
    const unsub = sys.bus.subscribe(DEVICES_CHANNEL, (m) => frames.push(m));
    await call(sys, 'devices.delete', principalOf(u), { params: { id: d.id } });
    await settle();
    unsub();
    assert.equal(await sys.store.getDevice(d.id), null);
    assert.deepEqual(frames, [{ type: 'deviceRemoved', deviceId: d.id, groupId: g.id }]);
    assert.deepEqual(await sys.store.getDeviceRevocation(d.id), { deviceId: d.id, name: 'gone', groupId: g.id, revokedAt: sys.now(), revokedBy: u.id }, 'removal revokes');
    assert.equal(await code(call(sys, 'devices.delete', principalOf(u), { params: { id: d.id } })), 'not_found');
    const [e] = await call(sys, 'events.list', principalOf(weak), { query: { type: 'device.deleted' } });
    assert.equal(e?.message, 'Removed device gone; it cannot enrol again until an administrator allows it');
  });
});
