/** Contract: installed software, one report per device, apart from the device row. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DeviceSoftwareRecord } from '../../records.js';
import { type ContractContext, storeError } from './context.js';
import { aDevice, aDeviceGroup, T0 } from './fixtures.js';

const report = (deviceId: string, o: Partial<DeviceSoftwareRecord> = {}): DeviceSoftwareRecord => ({
  deviceId, source: 'dpkg', packages: [{ name: 'bash', version: '5.2.15-2' }, { name: 'zlib1g', version: '1:1.2.13' }],
  hash: 'a'.repeat(64), updatedAt: T0, ...o,
});

export function deviceSoftwareCases(t: ContractContext): void {
  describe('device software', () => {
    async function device() {
      const g = aDeviceGroup();
      await t.store.createDeviceGroup(g);
      const d = aDevice(g.id);
      await t.store.upsertDevice(d);
      return d;
    }

    it('stores, replaces and returns a report; the hash alone without the packages', async () => {
      const d = await device();
      assert.equal(await t.store.getDeviceSoftware(d.id), null);
      assert.equal(await t.store.getDeviceSoftwareHash(d.id), null);
      const first = report(d.id);
      await t.store.setDeviceSoftware(first);
      assert.deepEqual(await t.store.getDeviceSoftware(d.id), first);
      const second = report(d.id, { source: 'rpm', packages: [], hash: 'b'.repeat(64), updatedAt: T0 + 5 });
      await t.store.setDeviceSoftware(second);
      assert.deepEqual(await t.store.getDeviceSoftware(d.id), second);
      assert.equal(await t.store.getDeviceSoftwareHash(d.id), 'b'.repeat(64));
    });

    it('is not part of the device record, and goes with the device', async () => {
      const d = await device();
      await t.store.setDeviceSoftware(report(d.id));
      assert.deepEqual(await t.store.getDevice(d.id), d);
      assert.deepEqual(await t.store.listDevices({ groupIds: [d.groupId] }), [d]);
      assert.equal(await t.store.deleteDevice(d.id), true);
      assert.equal(await t.store.getDeviceSoftware(d.id), null);
    });

    it('refuses a report for a missing device with not_found', async () => {
      await assert.rejects(t.store.setDeviceSoftware(report('missing')), storeError('not_found'));
    });
  });
}
