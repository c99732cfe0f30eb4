import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEVICES_CHANNEL } from '../../bus/channels.js';
import type { SoftwareInventory, SystemInventory } from '@meshwork/protocol';
import { addDevice, addGroup, settle, testSystem, type TestSystem } from '../testkit/system.js';
import { applyReport, knownFrame, reportHash } from './inventory.js';

const inv: SystemInventory = {
  hostname: 'h', os: { name: 'Ubuntu', version: '24.04', kernel: '6.8', platform: 'linux' }, arch: 'x64',
  cpu: { model: 'c', cores: 8 }, memory: { totalBytes: 8, freeBytes: 4 }, disks: [], network: [], users: ['<img src=x onerror=alert(1)>'],
  bootTime: null, agentVersion: '1',
};
const sw: SoftwareInventory = { source: 'rpm', packages: [{ name: 'bash', version: '5.2' }] };

describe('inventory reports', () => {
  let t: TestSystem;
  before(async () => {
    t = await testSystem();
  });
  after(() => t.close());

  it('hashes canonical JSON: key order does not matter', () => {
    const reordered = Object.fromEntries(Object.entries(inv).reverse()) as SystemInventory;
    assert.notEqual(JSON.stringify(reordered), JSON.stringify(inv));
    assert.equal(reportHash(reordered), reportHash(inv));
    assert.match(reportHash(inv), /^[0-9a-f]{64}$/);
  });

  it('stores a changed report once (data as given, os text, hashes), refuses a wrong hash, ignores an unchanged one', async () => {
    const g = await addGroup(t.sys, 'G');
    const d = await addDevice(t.sys, g.id, 'box', { os: null });
    assert.deepEqual(knownFrame(d, null), { type: 'known', inventoryHash: null, softwareHash: null });
    assert.deepEqual(knownFrame(d, null, 2048), { type: 'known', inventoryHash: null, softwareHash: null, reportPartBytes: 2048 }, 'parts: only when asked for');
    const pushed: unknown[] = [];
    const unsub = t.sys.bus.subscribe(DEVICES_CHANNEL, (m) => pushed.push(m));

    assert.equal(await applyReport(t.sys, d.id, { type: 'inventory', hash: reportHash(sw), inventory: inv }), 'hash_mismatch');
    assert.equal(await applyReport(t.sys, d.id, { type: 'inventory', hash: reportHash(inv), inventory: inv }), 'stored');
    assert.equal(await applyReport(t.sys, d.id, { type: 'software', hash: reportHash(sw), software: sw }), 'stored');
    assert.equal(await applyReport(t.sys, d.id, { type: 'inventory', hash: reportHash(inv), inventory: inv }), 'unchanged');
    await settle();
    unsub();

    const after = await t.sys.store.getDevice(d.id);
    assert.ok(after);
    assert.equal(after.os, 'Ubuntu 24.04');
    assert.deepEqual(after.info['system'], inv, 'agent strings are stored verbatim, as data');
    assert.deepEqual(knownFrame(after, await t.sys.store.getDeviceSoftwareHash(d.id)), { type: 'known', inventoryHash: reportHash(inv), softwareHash: reportHash(sw) });
    assert.equal(after.info['software'], undefined, 'installed software is not in the device row');
    const software = await t.sys.store.getDeviceSoftware(d.id);
    assert.deepEqual(software && { source: software.source, packages: software.packages, hash: software.hash }, { ...sw, hash: reportHash(sw) });
    assert.equal(await applyReport(t.sys, d.id, { type: 'software', hash: reportHash(sw), software: sw }), 'unchanged');
    assert.equal((await t.sys.store.listEvents({ deviceId: d.id, type: 'device.inventory', limit: 10 })).length, 2);
    assert.equal(pushed.length, 2, 'a device frame per change');
  });

  it('a report for a removed device is reported as gone', async () => {
    const g = await addGroup(t.sys, 'Gone');
    const d = await addDevice(t.sys, g.id, 'gone');
    await t.sys.store.deleteDevice(d.id);
    assert.equal(await applyReport(t.sys, d.id, { type: 'software', hash: reportHash(sw), software: sw }), 'gone');
  });
});
