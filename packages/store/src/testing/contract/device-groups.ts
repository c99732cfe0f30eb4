/** Contract: device groups (cascades on delete are in cascades.ts). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type ContractContext, storeError } from './context.js';
import { aDeviceGroup } from './fixtures.js';

export function deviceGroupCases(t: ContractContext): void {
  describe('device groups', () => {
    it('creates and gets by id and by name', async () => {
      const g = aDeviceGroup({ name: 'Office', description: 'HQ machines' });
      await t.store.createDeviceGroup(g);
      assert.deepEqual(await t.store.getDeviceGroup(g.id), g);
      assert.deepEqual(await t.store.getDeviceGroupByName('Office'), g);
      assert.equal(await t.store.getDeviceGroup('missing'), null);
      assert.equal(await t.store.getDeviceGroupByName('Home'), null);
    });

    it('refuses a duplicate id or name with conflict', async () => {
      const g = aDeviceGroup({ name: 'Office' });
      await t.store.createDeviceGroup(g);
      await assert.rejects(t.store.createDeviceGroup(aDeviceGroup({ id: g.id })), storeError('conflict'));
      await assert.rejects(t.store.createDeviceGroup(aDeviceGroup({ name: 'Office' })), storeError('conflict'));
      assert.deepEqual(await t.store.listDeviceGroups(), [g]);
    });

    it('lists all by name, or only the given ids', async () => {
      assert.deepEqual(await t.store.listDeviceGroups(), []);
      const c = aDeviceGroup({ name: 'charlie' }), a = aDeviceGroup({ name: 'alpha' }), b = aDeviceGroup({ name: 'bravo' });
      for (const g of [c, a, b]) await t.store.createDeviceGroup(g);
      assert.deepEqual(await t.store.listDeviceGroups(), [a, b, c]);
      assert.deepEqual(await t.store.listDeviceGroups([c.id, a.id, 'missing']), [a, c]);
      assert.deepEqual(await t.store.listDeviceGroups([]), []);
    });

    it('updates name and description; false when missing; conflict on a taken name', async () => {
      const g = aDeviceGroup({ name: 'one' }), other = aDeviceGroup({ name: 'two' });
      await t.store.createDeviceGroup(g);
      await t.store.createDeviceGroup(other);
      assert.equal(await t.store.updateDeviceGroup(g.id, { name: 'uno', description: 'first' }), true);
      assert.deepEqual(await t.store.getDeviceGroup(g.id), { ...g, name: 'uno', description: 'first' });
      assert.deepEqual(await t.store.getDeviceGroupByName('uno'), { ...g, name: 'uno', description: 'first' });
      assert.equal(await t.store.getDeviceGroupByName('one'), null);
      assert.equal(await t.store.updateDeviceGroup('missing', { name: 'x' }), false);
      await assert.rejects(t.store.updateDeviceGroup(other.id, { name: 'uno' }), storeError('conflict'));
      assert.deepEqual(await t.store.getDeviceGroup(other.id), other);
    });

    it('deletes a group once', async () => {
      const g = aDeviceGroup(), keep = aDeviceGroup();
      await t.store.createDeviceGroup(g);
      await t.store.createDeviceGroup(keep);
      assert.equal(await t.store.deleteDeviceGroup(g.id), true);
      assert.equal(await t.store.getDeviceGroup(g.id), null);
      assert.equal(await t.store.deleteDeviceGroup(g.id), false);
      assert.deepEqual(await t.store.listDeviceGroups(), [keep]);
    });
  });
}
