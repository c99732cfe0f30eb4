import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import * as der from './der.js';

test('lengths, integers and OIDs encode as DER', () => {
  assert.equal(der.tlv(0x04, Buffer.alloc(3)).toString('hex'), '0403000000');
  assert.equal(der.tlv(0x04, Buffer.alloc(200)).subarray(0, 3).toString('hex'), '0481c8');
  assert.equal(der.tlv(0x04, Buffer.alloc(300)).subarray(0, 4).toString('hex'), '0482012c');
  assert.equal(der.unsignedInteger(Buffer.from([0x00, 0x00, 0x7f])).toString('hex'), '02017f');
  assert.equal(der.unsignedInteger(Buffer.from([0x80])).toString('hex'), '02020080');
  assert.equal(der.unsignedInteger(Buffer.from([0, 0])).toString('hex'), '020100');
  assert.equal(der.oid('1.2.840.10045.4.3.2').toString('hex'), '06082a8648ce3d040302');
  assert.equal(der.oid('2.5.29.19').toString('hex'), '0603551d13');
});

test('times: UTCTime before 2050, GeneralizedTime from 2050', () => {
  assert.equal(der.time(new Date(Date.UTC(2026, 10, 26, 10, 0, 5))).toString('latin1'), '\x17\x0d261126100005Z');
  assert.equal(der.time(new Date(Date.UTC(9999, 11, 31, 23, 59, 59))).toString('latin1'), '\x18\x0f99991231235959Z');
});

test('(r, s) → DER signatures verify in node:crypto, for every leading-byte case', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  let highBit = 0;
  for (let i = 0; i < 300; i++) {
    const msg = randomBytes(20);
    const raw = sign('sha256', msg, { key: privateKey, dsaEncoding: 'ieee-p1363' });
    const r = raw.subarray(0, 32);
    const s = raw.subarray(32);
    if ((r[0] ?? 0) & 0x80) highBit++;
    const sig = der.ecdsaSignatureDer(r, s);
    assert.equal(verify('sha256', msg, { key: publicKey, dsaEncoding: 'der' }, sig), true);
  }
  assert.ok(highBit > 0, 'some r had its high bit set (needs the 0x00 pad)');
});
