import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SystemInventory } from '@meshwork/protocol';
import { broadcastOf, formatIpv4, inNet, ipv4Addresses, networkOf, parseCidr4, parseIpv4, usableMac, wakeInterfaces } from './subnets.js';
import { planFor } from './wake.js';

function inventory(network: SystemInventory['network']): Record<string, unknown> {
  const system: SystemInventory = {
    hostname: 'h', os: { name: 'Linux', version: '1', kernel: '6', platform: 'linux' }, arch: 'x64', cpu: { model: 'c', cores: 1 },
    memory: { totalBytes: 1, freeBytes: 1 }, disks: [], network, users: [], bootTime: null, agentVersion: '0.1.0',
  };
  return { system };
}

test('subnets: IPv4 and CIDR parsing', () => {
  assert.equal(parseIpv4('192.0.2.7'), 0xc0000207);
  assert.equal(formatIpv4(0xc0000207), '192.0.2.7');
  for (const bad of ['256.0.0.1', '1.2.3', '1.2.3.4.5', 'a.b.c.d', '', '01.2.3.4x']) assert.equal(parseIpv4(bad), null, bad);
  assert.deepEqual(parseCidr4('10.1.2.3/8'), { address: 0x0a010203, prefix: 8 });
  assert.equal(parseCidr4('fe80::1/64'), null);
  assert.equal(parseCidr4('10.0.0.1'), null);
  assert.equal(parseCidr4('10.0.0.1/33'), null);
  assert.equal(parseCidr4('10.0.0.1/24/1'), null);
});

test('subnets: networks, membership and broadcast addresses', () => {
  const net = networkOf(parseIpv4('192.0.2.77') ?? 0, 24);
  assert.equal(formatIpv4(net.network), '192.0.2.0');
  assert.equal(broadcastOf(net), '192.0.2.255');
  assert.ok(inNet(parseIpv4('192.0.2.1') ?? 0, net));
  assert.equal(inNet(parseIpv4('192.0.3.1') ?? 0, net), false);
  assert.equal(broadcastOf(networkOf(parseIpv4('10.20.30.40') ?? 0, 20)), '10.20.31.255');
  assert.equal(broadcastOf(networkOf(parseIpv4('172.16.5.4') ?? 0, 30)), '172.16.5.7');
});

test('subnets: only real MACs with LAN IPv4 networks can be woken', () => {
  assert.ok(usableMac('02:fc:00:00:00:01'));
  assert.equal(usableMac('00:00:00:00:00:00'), false);
  assert.equal(usableMac('01:00:5e:00:00:01'), false, 'multicast');
  assert.equal(usableMac('ff:ff:ff:ff:ff:ff'), false, 'broadcast');
  const info = inventory([
    { name: 'lo', mac: null, addresses: ['127.0.0.1/8', '::1/128'] },
    { name: 'eth0', mac: '02:fc:00:00:00:01', addresses: ['192.0.2.2/24', 'fd00::2/64', '192.0.2.3/24'] },
    { name: 'eth1', mac: '02:fc:00:00:00:02', addresses: ['169.254.1.1/16', '10.0.0.1/32'] },
    { name: 'wg0', mac: null, addresses: ['10.9.0.1/24'] },
    { name: 'eth2', mac: '02:fc:00:00:00:03', addresses: ['10.1.0.9/16'] },
  ]);
  const ifaces = wakeInterfaces(info);
  assert.deepEqual(ifaces.map((i) => [i.mac, i.nets.map((n) => `${formatIpv4(n.network)}/${n.prefix}`)]), [
    ['02:fc:00:00:00:01', ['192.0.2.0/24']],
    ['02:fc:00:00:00:03', ['10.1.0.0/16']],
  ]);
  assert.deepEqual(wakeInterfaces({}), [], 'no inventory');
  assert.deepEqual(wakeInterfaces({ system: { hostname: 'forged' } }), [], 'malformed inventory is ignored');
  assert.equal(ipv4Addresses(info).length, 7);
});

test('wake: a neighbour is asked only for the MACs of networks it shares', () => {
  const ifaces = wakeInterfaces(inventory([
    { name: 'eth0', mac: '02:fc:00:00:00:01', addresses: ['192.0.2.2/24'] },
    { name: 'eth1', mac: '02:fc:00:00:00:02', addresses: ['10.1.0.9/16'] },
  ]));
  const sameLan = planFor(ifaces, [parseIpv4('192.0.2.200') ?? 0, parseIpv4('127.0.0.1') ?? 0]);
  assert.deepEqual(sameLan.macs, ['02:fc:00:00:00:01']);
  assert.deepEqual(sameLan.targets, [{ address: '192.0.2.255', port: 9 }, { address: '192.0.2.255', port: 7 }]);
  const both = planFor(ifaces, [parseIpv4('192.0.2.9') ?? 0, parseIpv4('10.1.200.1') ?? 0]);
  assert.deepEqual(both.macs, ['02:fc:00:00:00:01', '02:fc:00:00:00:02']);
  assert.equal(both.targets.length, 4);
  assert.deepEqual(planFor(ifaces, [parseIpv4('192.0.3.1') ?? 0]), { macs: [], targets: [] }, 'another network');
});
