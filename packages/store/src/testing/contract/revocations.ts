/** Contract: group enrolment keys and device revocations. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type ContractContext, storeError } from './context.js';
import { aDevice, aDeviceGroup, T0 } from './fixtures.js';

const key = (c: string): string => `mwk_${c.repeat(64)}`;

export function revocationCases(t: ContractContext): void {
  describe('group enrolment keys', () => {
    it('sets, replaces, finds by key and deletes; a missing group is not_found, a taken key conflict', async () => {
      const g = aDeviceGroup(), h = aDeviceGroup();
      await t.store.createDeviceGroup(g);
      await t.store.createDeviceGroup(h);
      assert.equal(await t.store.getGroupEnrolmentKey(g.id), null);
      await t.store.setGroupEnrolmentKey(g.id, key('a'), T0);
      await t.store.setGroupEnrolmentKey(g.id, key('b'), T0 + 1);
      assert.equal(await t.store.getGroupEnrolmentKey(g.id), key('b'));
      assert.equal(await t.store.getGroupIdByEnrolmentKey(key('b')), g.id);
      assert.equal(await t.store.getGroupIdByEnrolmentKey(key('a')), null);
      await assert.rejects(t.store.setGroupEnrolmentKey(h.id, key('b'), T0), storeError('conflict'));
      await assert.rejects(t.store.setGroupEnrolmentKey('missing', key('c'), T0), storeError('not_found'));
      assert.equal(await t.store.deleteGroupEnrolmentKey(g.id), true);
      assert.equal(await t.store.deleteGroupEnrolmentKey(g.id), false);
      assert.equal(await t.store.getGroupIdByEnrolmentKey(key('b')), null);
    });

    it('goes with its group', async () => {
      const g = aDeviceGroup();
      await t.store.createDeviceGroup(g);
      await t.store.setGroupEnrolmentKey(g.id, key('d'), T0);
      await t.store.deleteDeviceGroup(g.id);
      assert.equal(await t.store.getGroupIdByEnrolmentKey(key('d')), null);
    });
  });

  describe('device revocations', () => {
    it('revokeDevice deletes the device and records it; lifting deletes the record; both survive the group', async () => {
      const g = aDeviceGroup();
      await t.store.createDeviceGroup(g);
      const d = aDevice(g.id);
      await t.store.upsertDevice(d);
      const r = { deviceId: d.id, name: d.name, groupId: g.id, revokedAt: T0, revokedBy: 'user-1' };
      assert.equal(await t.store.revokeDevice(r), true);
      assert.equal(await t.store.getDevice(d.id), null);
      assert.deepEqual(await t.store.getDeviceRevocation(d.id), r);
      assert.equal(await t.store.revokeDevice(r), false, 'no device, nothing revoked');
      await t.store.deleteDeviceGroup(g.id);
      assert.deepEqual(await t.store.listDeviceRevocations(), [r]);
      assert.equal(await t.store.deleteDeviceRevocation(d.id), true);
      assert.equal(await t.store.deleteDeviceRevocation(d.id), false);
      assert.equal(await t.store.getDeviceRevocation(d.id), null);
    });
  });
}
