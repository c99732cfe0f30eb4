import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { SoftwareInventory, SystemInventory } from '@meshwork/protocol';
import { collectSoftware, collectSystem, reportHash } from './index.js';
import { text } from './sanitize.js';

test('system inventory of this machine matches the protocol schema and the machine', async () => {
  const inv = await collectSystem('9.9.9');
  assert.deepEqual(SystemInventory.parse(inv), inv);
  assert.equal(inv.hostname, os.hostname());
  assert.equal(inv.cpu.cores, os.cpus().length);
  assert.equal(inv.memory.totalBytes, os.totalmem());
  assert.ok(inv.disks.some((d) => d.mount === '/'), 'the root file system is listed');
  assert.ok(inv.network.some((n) => n.name === 'lo'), 'loopback is listed');
  assert.ok(inv.bootTime !== null && inv.bootTime < Date.now());
});

test('software inventory matches the schema and lists dpkg packages on Debian', async () => {
  const sw = await collectSoftware();
  assert.deepEqual(SoftwareInventory.parse(sw), sw);
  assert.equal(sw.source, 'dpkg');
  assert.ok(sw.packages.some((p) => p.name === 'dpkg'));
});

test('report hashes ignore key order and change with content', () => {
  assert.equal(reportHash({ a: 1, b: [1, 2] }), reportHash({ b: [1, 2], a: 1 }));
  assert.notEqual(reportHash({ a: 1 }), reportHash({ a: 2 }));
});

test('device text is stripped of control characters and bounded', () => {
  assert.equal(text('a\u0000b\nc\u007f', 10), 'abc');
  assert.equal(text('x'.repeat(300), 255).length, 255);
});
