/** Contract: presence — which worker holds a device's connection; the newest connection wins. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PresenceRecord } from '../../records.js';
import type { ContractContext } from './context.js';
import { aPresence, T0 } from './fixtures.js';

const byDevice = (list: PresenceRecord[]): PresenceRecord[] =>
  [...list].sort((a, b) => (a.deviceId < b.deviceId ? -1 : 1));

export function presenceCases(t: ContractContext): void {
  describe('presence', () => {
    it('sets and gets; null when missing', async () => {
      const p = aPresence('dev-1', { workerId: 'w2', remoteAddress: '2001:db8::5', connectedAt: T0 + 7 });
      await t.store.setPresence(p);
      assert.deepEqual(await t.store.getPresence('dev-1'), p);
      assert.equal(await t.store.getPresence('dev-2'), null);
    });

    it('a newer connection replaces the row; clearing with the stale connection keeps it', async () => {
      const old = aPresence('dev-1', { workerId: 'w1', connectedAt: T0 });
      const newer = aPresence('dev-1', { workerId: 'w2', connectedAt: T0 + 1 });
      await t.store.setPresence(old);
      await t.store.setPresence(newer);
      assert.deepEqual(await t.store.getPresence('dev-1'), newer);
      assert.equal(await t.store.clearPresence('dev-1', old.connectionId), false);
      assert.deepEqual(await t.store.getPresence('dev-1'), newer);
      assert.equal(await t.store.clearPresence('dev-1', newer.connectionId), true);
      assert.equal(await t.store.getPresence('dev-1'), null);
      assert.equal(await t.store.clearPresence('dev-1', newer.connectionId), false);
    });

    it('lists all rows or those of the given devices', async () => {
      const a = aPresence('dev-a'), b = aPresence('dev-b'), c = aPresence('dev-c');
      for (const p of [a, b, c]) await t.store.setPresence(p);
      assert.deepEqual(byDevice(await t.store.listPresence()), [a, b, c]);
      assert.deepEqual(byDevice(await t.store.listPresence(['dev-c', 'dev-a', 'dev-x'])), [a, c]);
      assert.deepEqual(await t.store.listPresence([]), []);
    });

    it('clears every row of one worker and returns the count', async () => {
      const a = aPresence('dev-a', { workerId: 'w1' }), b = aPresence('dev-b', { workerId: 'w1' });
      const c = aPresence('dev-c', { workerId: 'w2' });
      for (const p of [a, b, c]) await t.store.setPresence(p);
      assert.equal(await t.store.clearPresenceOfWorker('w1'), 2);
      assert.equal(await t.store.clearPresenceOfWorker('w1'), 0);
      assert.deepEqual(await t.store.listPresence(), [c]);
    });
  });
}
