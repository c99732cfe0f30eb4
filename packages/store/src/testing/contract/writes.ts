/** Contract: applyWrites — several writes in order in one transaction, each failing alone. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type ContractContext } from './context.js';
import { aDevice, aDeviceGroup, anEvent, aPresence, aTimelineEntry, T0 } from './fixtures.js';

export function writeCases(t: ContractContext): void {
  describe('applyWrites', () => {
    it('applies every kind of write in order and reports each', async () => {
      const g = aDeviceGroup();
      await t.store.createDeviceGroup(g);
      const d = aDevice(g.id);
      const p = aPresence(d.id);
      const e = anEvent({ deviceId: d.id, groupId: g.id, visibleTo: [g.id, '*'] });
      const results = await t.store.applyWrites([
        { kind: 'upsertDevice', device: d },
        { kind: 'setPresence', presence: p },
        { kind: 'touchDevice', deviceId: d.id, lastSeen: T0 + 9 },
        { kind: 'addTimeline', entry: aTimelineEntry(d.id, { time: T0 + 9 }) },
        { kind: 'addEvent', event: e },
        { kind: 'touchDevice', deviceId: 'missing', lastSeen: T0 },
      ]);
      assert.deepEqual(results.map((r) => r.status), ['ok', 'ok', 'ok', 'ok', 'ok', 'unchanged']);
      assert.equal((await t.store.getDevice(d.id))?.lastSeen, T0 + 9);
      assert.deepEqual(await t.store.getPresence(d.id), p);
      assert.deepEqual(await t.store.listTimeline(d.id, 0), [aTimelineEntry(d.id, { time: T0 + 9 })]);
      assert.deepEqual(await t.store.listEvents({ visibleTo: [g.id], limit: 10 }), [e]);
      assert.deepEqual(await t.store.applyWrites([]), []);
    });

    it('fails a write alone, and skips the writes that require it', async () => {
      const g = aDeviceGroup();
      await t.store.createDeviceGroup(g);
      const d = aDevice(g.id);
      await t.store.upsertDevice(d);
      const p = aPresence(d.id);
      await t.store.setPresence(p);
      const results = await t.store.applyWrites([
        { kind: 'addTimeline', entry: aTimelineEntry('missing') },
        { kind: 'clearPresence', deviceId: d.id, connectionId: 'someone-else' },
        { kind: 'touchDevice', deviceId: d.id, lastSeen: T0 + 1, requires: 1 },
        { kind: 'clearPresence', deviceId: d.id, connectionId: p.connectionId },
        { kind: 'addTimeline', entry: aTimelineEntry(d.id, { state: 'offline' }), requires: 3 },
      ]);
      assert.equal(results[0]?.status, 'failed');
      assert.equal(results[0]?.status === 'failed' && results[0].error.code, 'not_found');
      assert.deepEqual(results.slice(1).map((r) => r.status), ['unchanged', 'skipped', 'ok', 'ok']);
      assert.equal((await t.store.getDevice(d.id))?.lastSeen, null);
      assert.equal(await t.store.getPresence(d.id), null);
      assert.deepEqual(await t.store.listTimeline(d.id, 0), [aTimelineEntry(d.id, { state: 'offline' })]);
    });
  });
}
