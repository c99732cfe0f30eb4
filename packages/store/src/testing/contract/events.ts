/** Contract: the event log — visibility, newest-first order, paging and expiry. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EventRecord } from '../../records.js';
import { type ContractContext, storeError } from './context.js';
import { anEvent, T0 } from './fixtures.js';

const ids = (list: EventRecord[]): string[] => list.map((e) => e.id);

export function eventCases(t: ContractContext): void {
  describe('events', () => {
    async function add(...events: EventRecord[]): Promise<void> {
      for (const e of events) await t.store.addEvent(e);
    }

    it('round-trips every field, including JSON data and visibleTo', async () => {
      const e = anEvent({
        type: 'device.power', message: 'Rebooted "srv"', actorId: 'user-1', deviceId: 'dev-1', groupId: 'grp-1',
        data: { action: 'reboot', args: [1, 'x'], nested: { ok: true, none: null } }, visibleTo: ['user-1', 'grp-1', '*'],
      });
      await add(e);
      assert.deepEqual(await t.store.listEvents({ limit: 10 }), [e]);
    });

    it('refuses a duplicate id with conflict', async () => {
      const e = anEvent();
      await add(e);
      await assert.rejects(t.store.addEvent(anEvent({ id: e.id, message: 'other' })), storeError('conflict'));
      assert.deepEqual(await t.store.listEvents({ limit: 10 }), [e]);
    });

    it('lists newest first, with limit and exclusive `before` paging', async () => {
      const es = [3, 1, 5, 2, 4].map((n) => anEvent({ id: `e${n}`, time: T0 + n * 1000 }));
      await add(...es);
      assert.deepEqual(ids(await t.store.listEvents({ limit: 10 })), ['e5', 'e4', 'e3', 'e2', 'e1']);
      assert.deepEqual(ids(await t.store.listEvents({ limit: 2 })), ['e5', 'e4']);
      assert.deepEqual(ids(await t.store.listEvents({ limit: 2, before: T0 + 4000 })), ['e3', 'e2']);
      assert.deepEqual(ids(await t.store.listEvents({ limit: 2, before: T0 + 2000 })), ['e1']);
      assert.deepEqual(ids(await t.store.listEvents({ limit: 2, before: T0 + 1000 })), []);
    });

    it('filters by device, group and type', async () => {
      await add(
        anEvent({ id: 'a', time: T0 + 1, deviceId: 'd1', groupId: 'g1', type: 'login' }),
        anEvent({ id: 'b', time: T0 + 2, deviceId: 'd2', groupId: 'g1', type: 'power' }),
        anEvent({ id: 'c', time: T0 + 3, deviceId: 'd1', groupId: 'g2', type: 'power' }),
        anEvent({ id: 'd', time: T0 + 4, type: 'login' }),
      );
      assert.deepEqual(ids(await t.store.listEvents({ limit: 10, deviceId: 'd1' })), ['c', 'a']);
      assert.deepEqual(ids(await t.store.listEvents({ limit: 10, groupId: 'g1' })), ['b', 'a']);
      assert.deepEqual(ids(await t.store.listEvents({ limit: 10, type: 'login' })), ['d', 'a']);
      assert.deepEqual(ids(await t.store.listEvents({ limit: 10, type: 'power', deviceId: 'd1' })), ['c']);
      assert.deepEqual(ids(await t.store.listEvents({ limit: 10, groupId: 'g3' })), []);
    });

    it('shows an event only to a query whose visibleTo intersects the event’s', async () => {
      await add(
        anEvent({ id: 'user', time: T0 + 1, visibleTo: ['u1'] }),
        anEvent({ id: 'group', time: T0 + 2, visibleTo: ['g1'] }),
        anEvent({ id: 'admins', time: T0 + 3, visibleTo: ['*'] }),
        anEvent({ id: 'both', time: T0 + 4, visibleTo: ['u1', 'ug1', 'g1'] }), // listed once, not per match
        anEvent({ id: 'nobody', time: T0 + 5, visibleTo: [] }),
      );
      assert.deepEqual(ids(await t.store.listEvents({ limit: 10, visibleTo: ['u1'] })), ['both', 'user']);
      assert.deepEqual(ids(await t.store.listEvents({ limit: 10, visibleTo: ['ug1', 'g1'] })), ['both', 'group']);
      assert.deepEqual(ids(await t.store.listEvents({ limit: 10, visibleTo: ['u1', 'ug1', 'g1'] })), ['both', 'group', 'user']);
      assert.deepEqual(ids(await t.store.listEvents({ limit: 10, visibleTo: ['u2'] })), []);
      assert.deepEqual(ids(await t.store.listEvents({ limit: 10, visibleTo: [] })), []);
      // '*' is not a wildcard on the query side: it is the id of the site-admin audience
      assert.deepEqual(ids(await t.store.listEvents({ limit: 10, visibleTo: ['*'] })), ['admins']);
      assert.deepEqual(ids(await t.store.listEvents({ limit: 10 })), ['nobody', 'both', 'admins', 'group', 'user']);
    });

    it('applies limit and paging after the visibility filter', async () => {
      const mine = [1, 2, 3].map((n) => anEvent({ id: `mine${n}`, time: T0 + n * 100, visibleTo: ['u1'] }));
      const others = Array.from({ length: 20 }, (_, n) => anEvent({ id: `other${n}`, time: T0 + 1000 + n, visibleTo: ['u2'] }));
      await add(...mine, ...others);
      assert.deepEqual(ids(await t.store.listEvents({ limit: 2, visibleTo: ['u1'] })), ['mine3', 'mine2']);
      assert.deepEqual(ids(await t.store.listEvents({ limit: 2, visibleTo: ['u1'], before: T0 + 200 })), ['mine1']);
      assert.deepEqual(ids(await t.store.listEvents({ limit: 1, visibleTo: ['u1'], deviceId: 'none' })), []);
    });

    it('deletes events whose expiresAt <= now, and they stay invisible to every query', async () => {
      await add(
        anEvent({ id: 'past', time: T0 + 1, expiresAt: T0 - 1, visibleTo: ['u1'] }),
        anEvent({ id: 'now', time: T0 + 2, expiresAt: T0, visibleTo: ['u1'] }),
        anEvent({ id: 'future', time: T0 + 3, expiresAt: T0 + 1, visibleTo: ['u1'] }),
      );
      assert.equal(await t.store.deleteExpiredEvents(T0), 2);
      assert.equal(await t.store.deleteExpiredEvents(T0), 0);
      assert.deepEqual(ids(await t.store.listEvents({ limit: 10 })), ['future']);
      assert.deepEqual(ids(await t.store.listEvents({ limit: 10, visibleTo: ['u1'] })), ['future']);
    });
  });
}
