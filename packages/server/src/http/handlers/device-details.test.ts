import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GROUP_FULL, GROUP_RIGHTS, type SoftwareInventory, type SystemInventory } from '@meshwork/protocol';
import { applyReport, reportHash } from '../../domain/agents/inventory.js';
import { errorCode as code, addDevice, addGroup, addUser, call, principalOf, testSystem, type TestSystem } from '../../domain/testkit/system.js';

const inv: SystemInventory = {
  hostname: 'h', os: { name: 'Debian', version: '12', kernel: '6.1', platform: 'linux' }, arch: 'x64',
  cpu: { model: 'c', cores: 2 }, memory: { totalBytes: 8, freeBytes: 4 }, disks: [], network: [], users: ['<b>x</b>'],
  bootTime: null, agentVersion: '1',
};
const sw: SoftwareInventory = { source: 'dpkg', packages: [{ name: 'bash', version: '5.2.15-2' }] };

describe('device details handlers', () => {
  let t: TestSystem;
  before(async () => {
    t = await testSystem();
  });
  after(() => t.close());

  async function fixture(name: string) {
    const { sys } = t;
    const details = await addUser(sys, `${name}-details`);
    const viewer = await addUser(sys, `${name}-viewer`);
    const outsider = await addUser(sys, `${name}-outsider`);
    const g = await addGroup(sys, name, [
      { subjectId: details.id, rights: GROUP_RIGHTS.deviceDetails },
      { subjectId: viewer.id, rights: GROUP_RIGHTS.notes },
    ]);
    const d = await addDevice(sys, g.id, `${name}-box`);
    return { d, details: principalOf(details), viewer: principalOf(viewer), outsider: principalOf(outsider) };
  }

  it('inventory and software: empty before any report, then what the agent reported', async () => {
    const { sys } = t;
    const { d, details } = await fixture('reports');
    assert.deepEqual(await call(sys, 'devices.inventory', details, { params: { id: d.id } }), { deviceId: d.id, system: null, updatedAt: null });
    assert.deepEqual(await call(sys, 'devices.software', details, { params: { id: d.id } }), { deviceId: d.id, source: 'none', packages: [], updatedAt: null });

    assert.equal(await applyReport(sys, d.id, { type: 'inventory', hash: reportHash(inv), inventory: inv }), 'stored');
    assert.equal(await applyReport(sys, d.id, { type: 'software', hash: reportHash(sw), software: sw }), 'stored');
    const at = new Date(sys.now()).toISOString();
    assert.deepEqual(await call(sys, 'devices.inventory', details, { params: { id: d.id } }), { deviceId: d.id, system: inv, updatedAt: at });
    assert.deepEqual(await call(sys, 'devices.software', details, { params: { id: d.id } }), { deviceId: d.id, ...sw, updatedAt: at });
    // The device list never carries the software report.
    const listed = await call(sys, 'devices.list', details, { query: {} });
    assert.equal(JSON.stringify(listed).includes('5.2.15-2'), false);
  });

  it('timeline: oldest first, since a time (default 7 days), for anyone who sees the device', async () => {
    const { sys } = t;
    const { d, viewer } = await fixture('timeline');
    const now = sys.now();
    await sys.store.addTimeline({ deviceId: d.id, time: now - 8 * 24 * 3600_000, state: 'online', detail: 'old' });
    await sys.store.addTimeline({ deviceId: d.id, time: now - 2_000, state: 'online', detail: 'connected from 127.0.0.1' });
    await sys.store.addTimeline({ deviceId: d.id, time: now - 1_000, state: 'offline', detail: 'connection closed (1006)' });
    const recent = await call(sys, 'devices.timeline', viewer, { params: { id: d.id }, query: {} });
    assert.deepEqual(recent.map((e) => [e.state, e.detail]), [['online', 'connected from 127.0.0.1'], ['offline', 'connection closed (1006)']]);
    assert.equal(recent[0]?.time, new Date(now - 2_000).toISOString());
    const all = await call(sys, 'devices.timeline', viewer, { params: { id: d.id }, query: { since: new Date(now - 30 * 24 * 3600_000).toISOString() } });
    assert.deepEqual(all.map((e) => e.detail), ['old', 'connected from 127.0.0.1', 'connection closed (1006)']);
    assert.deepEqual(await call(sys, 'devices.timeline', viewer, { params: { id: d.id }, query: { since: new Date(now).toISOString() } }), []);
  });

  it('rights: invisible → not_found; inventory and software need deviceDetails; full rights include it', async () => {
    const { sys } = t;
    const { d, viewer, outsider } = await fixture('rights');
    for (const name of ['devices.inventory', 'devices.software'] as const) {
      assert.equal(await code(call(sys, name, outsider, { params: { id: d.id } })), 'not_found');
      assert.equal(await code(call(sys, name, viewer, { params: { id: d.id } })), 'forbidden');
      assert.equal(await code(call(sys, name, viewer, { params: { id: 'f'.repeat(96) } })), 'not_found');
    }
    assert.equal(await code(call(sys, 'devices.timeline', outsider, { params: { id: d.id }, query: {} })), 'not_found');
    const owner = await addUser(sys, 'rights-owner');
    const g = await addGroup(sys, 'rights-full', [{ subjectId: owner.id, rights: GROUP_FULL }]);
    const mine = await addDevice(sys, g.id, 'full-box');
    assert.equal((await call(sys, 'devices.inventory', principalOf(owner), { params: { id: mine.id } })).system, null);
  });
});
