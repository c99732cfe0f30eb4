/** Contract: devices, including the query by groups, tag and name text. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DeviceRecord } from '../../records.js';
import { type ContractContext, storeError } from './context.js';
import { aDevice, aDeviceGroup, aTimelineEntry, T0 } from './fixtures.js';

export function deviceCases(t: ContractContext): void {
  describe('devices', () => {
    async function group(name?: string) {
      const g = aDeviceGroup(name === undefined ? {} : { name });
      await t.store.createDeviceGroup(g);
      return g;
    }

    it('round-trips every field, including JSON tags and info', async () => {
      const g = await group();
      const d = aDevice(g.id, {
        name: 'Büro-PC', tags: ['web', 'prod'], notes: 'rack 3', os: 'Linux 6.8',
        info: { cpu: { model: 'x', cores: 8 }, disks: [{ size: 512, ok: true }], note: null },
        infoHash: 'f'.repeat(64), lastSeen: T0 + 5,
      });
      await t.store.upsertDevice(d);
      assert.deepEqual(await t.store.getDevice(d.id), d);
      assert.equal(await t.store.getDevice('missing'), null);
    });

    it('upsert replaces an existing device but keeps its createdAt', async () => {
      const g1 = await group(), g2 = await group();
      const d = aDevice(g1.id, { createdAt: T0 });
      await t.store.upsertDevice(d);
      const next = { ...d, groupId: g2.id, name: 'renamed', tags: ['x'], os: 'Windows', info: { v: 2 }, createdAt: T0 + 999 };
      await t.store.upsertDevice(next);
      assert.deepEqual(await t.store.getDevice(d.id), { ...next, createdAt: T0 });
      assert.equal(await t.store.countDevices(), 1);
    });

    it('refuses a device of a missing group with not_found', async () => {
      await assert.rejects(t.store.upsertDevice(aDevice('missing')), storeError('not_found'));
      assert.equal(await t.store.countDevices(), 0);
    });

    it('lists by name and counts', async () => {
      const g = await group();
      assert.deepEqual(await t.store.listDevices(), []);
      assert.equal(await t.store.countDevices(), 0);
      const c = aDevice(g.id, { name: 'charlie' }), a = aDevice(g.id, { name: 'alpha' }), b = aDevice(g.id, { name: 'bravo' });
      for (const d of [c, a, b]) await t.store.upsertDevice(d);
      assert.deepEqual(await t.store.listDevices(), [a, b, c]);
      assert.deepEqual(await t.store.listDevices({}), [a, b, c]);
      assert.deepEqual(await t.store.listDevices({ limit: 2 }), [a, b]);
      assert.equal(await t.store.countDevices(), 3);
    });

    it('lists summaries: the same devices and order as listDevices, without the inventory', async () => {
      const g1 = await group(), g2 = await group();
      const a = aDevice(g1.id, { name: 'alpha', tags: ['t'], info: { big: 'x'.repeat(1000) } });
      const b = aDevice(g2.id, { name: 'Bravo', tags: [] });
      const c = aDevice(g1.id, { name: 'charlie', tags: ['t'] });
      for (const d of [c, a, b]) await t.store.upsertDevice(d);
      const strip = ({ info: _i, infoHash: _h, ...rest }: DeviceRecord) => rest;
      for (const q of [undefined, {}, { groupIds: [g1.id] }, { groupIds: [] }, { tag: 't' }, { text: 'BRA' }, { limit: 2 }]) {
        const summaries = await t.store.listDeviceSummaries(q);
        assert.deepEqual(summaries, (await t.store.listDevices(q)).map(strip), JSON.stringify(q));
        for (const s of summaries) assert.equal('info' in s || 'infoHash' in s, false);
      }
    });

    it('filters by group ids, tag and case-insensitive name text', async () => {
      const g1 = await group(), g2 = await group(), g3 = await group();
      const web1 = aDevice(g1.id, { name: 'Web-01', tags: ['web', 'prod'] });
      const web2 = aDevice(g2.id, { name: 'web-02', tags: ['webserver'] });
      const db1 = aDevice(g2.id, { name: 'DB-01', tags: ['prod'] });
      const lap = aDevice(g3.id, { name: 'laptop', tags: [] });
      for (const d of [web1, web2, db1, lap]) await t.store.upsertDevice(d);
      assert.deepEqual(await t.store.listDevices({ groupIds: [g2.id] }), [db1, web2]);
      assert.deepEqual(await t.store.listDevices({ groupIds: [g1.id, g3.id] }), [lap, web1]);
      assert.deepEqual(await t.store.listDevices({ groupIds: [] }), []);
      assert.deepEqual(await t.store.listDevices({ tag: 'web' }), [web1]);
      assert.deepEqual(await t.store.listDevices({ tag: 'prod' }), [db1, web1]);
      assert.deepEqual(await t.store.listDevices({ tag: 'none' }), []);
      assert.deepEqual(await t.store.listDevices({ text: 'WEB' }), [web1, web2]);
      assert.deepEqual(await t.store.listDevices({ text: '-0' }), [db1, web1, web2]);
      assert.deepEqual(await t.store.listDevices({ text: 'TOP' }), [lap]);
      assert.deepEqual(await t.store.listDevices({ text: 'web', groupIds: [g2.id, g3.id] }), [web2]);
      assert.deepEqual(await t.store.listDevices({ tag: 'prod', text: 'db' }), [db1]);
      assert.deepEqual(await t.store.listDevices({ text: '0', limit: 1 }), [db1]);
    });

    it('treats LIKE wildcards and escapes in the text literally', async () => {
      const g = await group();
      const pct = aDevice(g.id, { name: '100% up' }), under = aDevice(g.id, { name: 'a_b' });
      const plain = aDevice(g.id, { name: 'axb' }), slash = aDevice(g.id, { name: 'c\\d' });
      for (const d of [pct, under, plain, slash]) await t.store.upsertDevice(d);
      assert.deepEqual(await t.store.listDevices({ text: '%' }), [pct]);
      assert.deepEqual(await t.store.listDevices({ text: '_' }), [under]);
      assert.deepEqual(await t.store.listDevices({ text: 'a_b' }), [under]);
      assert.deepEqual(await t.store.listDevices({ text: '\\' }), [slash]);
      assert.deepEqual(await t.store.listDevices({ text: '[a]' }), []);
    });

    it('updates only the patched fields; false when missing', async () => {
      const g1 = await group(), g2 = await group();
      const d = aDevice(g1.id, { tags: ['a'], info: { k: 1 }, os: 'Linux' });
      await t.store.upsertDevice(d);
      assert.equal(await t.store.updateDevice(d.id, { lastSeen: T0 + 10, tags: ['a', 'b'] }), true);
      assert.deepEqual(await t.store.getDevice(d.id), { ...d, lastSeen: T0 + 10, tags: ['a', 'b'] });
      assert.equal(await t.store.updateDevice(d.id, { groupId: g2.id, info: { k: 2, n: [1] }, os: null, infoHash: 'h' }), true);
      assert.deepEqual(await t.store.getDevice(d.id), {
        ...d, lastSeen: T0 + 10, tags: ['a', 'b'], groupId: g2.id, info: { k: 2, n: [1] }, os: null, infoHash: 'h',
      });
      assert.equal(await t.store.updateDevice('missing', { name: 'x' }), false);
    });

    it('refuses moving a device to a missing group with not_found', async () => {
      const g = await group();
      const d = aDevice(g.id);
      await t.store.upsertDevice(d);
      await assert.rejects(t.store.updateDevice(d.id, { groupId: 'missing' }), storeError('not_found'));
      assert.deepEqual(await t.store.getDevice(d.id), d);
    });

    it('deletes a device once, with its timeline', async () => {
      const g = await group();
      const d = aDevice(g.id), keep = aDevice(g.id);
      await t.store.upsertDevice(d);
      await t.store.upsertDevice(keep);
      await t.store.addTimeline(aTimelineEntry(d.id));
      await t.store.addTimeline(aTimelineEntry(keep.id));
      assert.equal(await t.store.deleteDevice(d.id), true);
      assert.equal(await t.store.getDevice(d.id), null);
      assert.equal(await t.store.deleteDevice(d.id), false);
      assert.deepEqual(await t.store.listTimeline(d.id, 0), []);
      assert.equal((await t.store.listTimeline(keep.id, 0)).length, 1);
      assert.deepEqual(await t.store.listDevices(), [keep]);
    });
  });
}
