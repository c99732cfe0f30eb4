import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import { ipToBytes } from './ip.js';

const hex = (text: string): string | undefined => {
  const b = ipToBytes(text);
  return b && Buffer.from(b).toString('hex');
};

test('IPv4 and IPv6 text become 4 and 16 bytes', () => {
  assert.equal(hex('127.0.0.1'), '7f000001');
  assert.equal(hex('255.255.255.255'), 'ffffffff');
  assert.equal(hex('::1'), '00000000000000000000000000000001');
  assert.equal(hex('::'), '00000000000000000000000000000000');
  assert.equal(hex('fd00::7'), 'fd000000000000000000000000000007');
  assert.equal(hex('2001:DB8:0:0:1::'), '20010db8000000000001000000000000');
  assert.equal(hex('1:2:3:4:5:6:7:8'), '00010002000300040005000600070008');
  assert.equal(hex('::ffff:10.1.2.3'), '00000000000000000000ffff0a010203');
});

test('anything that is not an IP address is refused, as node:net sees it', () => {
  const bad = ['', 'localhost', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1::2::3', ':1', '1:', '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7::8', '12345::', 'fe80::1%eth0', '1.2.3.4::', 'g::1', ' ::1'];
  for (const text of bad) {
    assert.equal(ipToBytes(text), undefined, text);
    assert.equal(isIP(text) === 0 || text.includes('%'), true, `node:net agrees about ${text}`);
  }
});
