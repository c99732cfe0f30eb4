import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ipv6Groups, networkKey } from './network.js';

test('IPv4 addresses group by /24', () => {
  assert.equal(networkKey('192.168.1.77'), 'v4:192.168.1.0/24');
  assert.equal(networkKey('192.168.1.3'), networkKey('192.168.1.250'));
  assert.notEqual(networkKey('192.168.1.3'), networkKey('192.168.2.3'));
});

test('IPv4-mapped IPv6 counts as the IPv4 address', () => {
  assert.equal(networkKey('::ffff:127.0.0.1'), 'v4:127.0.0.0/24');
  assert.equal(networkKey('::FFFF:10.0.0.9'), networkKey('10.0.0.200'));
});

test('IPv6 addresses group by /64, however they are written', () => {
  assert.equal(networkKey('2001:db8:1:2:aaaa::1'), 'v6:2001:db8:1:2::/64');
  assert.equal(networkKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff'), networkKey('2001:db8:1:2::'));
  assert.notEqual(networkKey('2001:db8:1:2::1'), networkKey('2001:db8:1:3::1'));
  assert.equal(networkKey('fe80::1%eth0'), 'v6:fe80:0:0:0::/64');
  assert.deepEqual(ipv6Groups('::1'), [0, 0, 0, 0, 0, 0, 0, 1]);
});

test('anything else gets its own key and never throws', () => {
  assert.equal(networkKey('garbage'), 'other:garbage');
  assert.equal(networkKey(''), 'other:');
});
