/** Contract: the per-device connection / power timeline. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type ContractContext, storeError } from './context.js';
import { aDevice, aDeviceGroup, aTimelineEntry, T0 } from './fixtures.js';

export function timelineCases(t: ContractContext): void {
  describe('timeline', () => {
    async function devices() {
      const g = aDeviceGroup();
      await t.store.createDeviceGroup(g);
      const d1 = aDevice(g.id), d2 = aDevice(g.id);
      await t.store.upsertDevice(d1);
      await t.store.upsertDevice(d2);
      return { d1, d2 };
    }

    it('lists one device’s entries since a time (inclusive), oldest first', async () => {
      const { d1, d2 } = await devices();
      const e3 = aTimelineEntry(d1.id, { time: T0 + 30, state: 'reboot', detail: 'user request' });
      const e1 = aTimelineEntry(d1.id, { time: T0 + 10, state: 'online' });
      const e2 = aTimelineEntry(d1.id, { time: T0 + 20, state: 'sleep' });
      for (const e of [e3, e1, e2]) await t.store.addTimeline(e);
      await t.store.addTimeline(aTimelineEntry(d2.id, { time: T0 + 15, state: 'poweroff' }));
      assert.deepEqual(await t.store.listTimeline(d1.id, 0), [e1, e2, e3]);
      assert.deepEqual(await t.store.listTimeline(d1.id, T0 + 20), [e2, e3]);
      assert.deepEqual(await t.store.listTimeline(d1.id, T0 + 31), []);
      assert.deepEqual(await t.store.listTimeline('missing', 0), []);
    });

    it('refuses an entry for a missing device with not_found', async () => {
      await assert.rejects(t.store.addTimeline(aTimelineEntry('missing')), storeError('not_found'));
    });

    it('deletes entries before a time (exclusive) and returns the count', async () => {
      const { d1, d2 } = await devices();
      for (const time of [T0, T0 + 1, T0 + 2]) await t.store.addTimeline(aTimelineEntry(d1.id, { time, state: 'offline' }));
      await t.store.addTimeline(aTimelineEntry(d2.id, { time: T0 }));
      assert.equal(await t.store.deleteTimelineBefore(T0 + 2), 3);
      assert.equal(await t.store.deleteTimelineBefore(T0 + 2), 0);
      assert.deepEqual(await t.store.listTimeline(d1.id, 0), [aTimelineEntry(d1.id, { time: T0 + 2, state: 'offline' })]);
      assert.deepEqual(await t.store.listTimeline(d2.id, 0), []);
    });
  });
}
