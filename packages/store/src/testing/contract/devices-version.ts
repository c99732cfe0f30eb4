/** Contract: devicesVersion — the token caches of device lists are keyed by. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ContractContext } from './context.js';
import { aDevice, aDeviceGroup, T0 } from './fixtures.js';

export function devicesVersionCases(t: ContractContext): void {
  describe('devicesVersion', () => {
    /** Runs `write` and asserts the version changed, and that reading alone does not change it. */
    async function changes(what: string, write: () => Promise<unknown>): Promise<void> {
      const before = await t.store.devicesVersion();
      await t.store.listDeviceSummaries();
      await t.store.listPresence();
      assert.equal(await t.store.devicesVersion(), before, `reading before: ${what}`);
      await write();
      assert.notEqual(await t.store.devicesVersion(), before, what);
    }

    it('is a string that reads leave alone', async () => {
      const v = await t.store.devicesVersion();
      assert.equal(typeof v, 'string');
      await t.store.listDevices();
      await t.store.countDevices();
      assert.equal(await t.store.devicesVersion(), v);
    });

    it('changes on every write that can change the device list or presence', async () => {
      const g = aDeviceGroup(), other = aDeviceGroup();
      const d = aDevice(g.id, { name: 'alpha' });
      await changes('createDeviceGroup', () => t.store.createDeviceGroup(g));
      await t.store.createDeviceGroup(other);
      await changes('upsertDevice (new)', () => t.store.upsertDevice(d));
      await changes('upsertDevice (existing)', () => t.store.upsertDevice({ ...d, os: 'Linux' }));
      await changes('updateDevice: rename', () => t.store.updateDevice(d.id, { name: 'beta' }));
      await changes('updateDevice: move', () => t.store.updateDevice(d.id, { groupId: other.id }));
      await changes('updateDevice: tags', () => t.store.updateDevice(d.id, { tags: ['x'] }));
      const presence = { deviceId: d.id, workerId: 'w1', connectionId: 'c1', connectedAt: T0, remoteAddress: '192.0.2.9' };
      await changes('setPresence', () => t.store.setPresence(presence));
      await changes('clearPresence', () => t.store.clearPresence(d.id, 'c1'));
      await t.store.setPresence(presence);
      await changes('clearPresenceOfWorker', () => t.store.clearPresenceOfWorker('w1'));
      await changes('applyWrites: touchDevice', () => t.store.applyWrites([{ kind: 'touchDevice', deviceId: d.id, lastSeen: T0 + 1 }]));
      await changes('applyWrites: setPresence', () => t.store.applyWrites([{ kind: 'setPresence', presence: { ...presence, connectionId: 'c2' } }]));
      await changes('deleteDevice', () => t.store.deleteDevice(d.id));
      await t.store.upsertDevice(aDevice(other.id));
      await changes('deleteDeviceGroup (its devices go with it)', () => t.store.deleteDeviceGroup(other.id));
    });
  });
}
