import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import * as der from './der.js';
import { children, dottedOid, readTlv } from './read.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

test('lengths, integers and OIDs encode as DER', () => {
  assert.equal(hex(der.tlv(0x04, new Uint8Array(3))), '0403000000');
  assert.equal(hex(der.tlv(0x04, new Uint8Array(200)).subarray(0, 3)), '0481c8');
  assert.equal(hex(der.tlv(0x04, new Uint8Array(300)).subarray(0, 4)), '0482012c');
  assert.equal(hex(der.unsignedInteger(Uint8Array.of(0x00, 0x00, 0x7f))), '02017f');
  assert.equal(hex(der.unsignedInteger(Uint8Array.of(0x80))), '02020080');
  assert.equal(hex(der.unsignedInteger(Uint8Array.of(0, 0))), '020100');
  assert.equal(hex(der.smallInteger(0)), '020100');
  assert.equal(hex(der.smallInteger(2)), '020102');
  assert.equal(hex(der.smallInteger(300)), '0202012c');
  assert.equal(hex(der.oid('1.2.840.10045.4.3.2')), '06082a8648ce3d040302');
  assert.equal(hex(der.oid('2.5.29.19')), '0603551d13');
  assert.equal(hex(der.utf8String('é')), '0c02c3a9');
  assert.throws(() => der.ascii('é'), RangeError);
});

test('times: UTCTime for 1950–2049, GeneralizedTime otherwise', () => {
  const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');
  assert.equal(text(der.time(new Date(Date.UTC(2026, 10, 26, 10, 0, 5)))), '\x17\x0d261126100005Z');
  assert.equal(text(der.time(new Date(Date.UTC(2049, 11, 31, 23, 59, 59)))), '\x17\x0d491231235959Z');
  assert.equal(text(der.time(new Date(Date.UTC(2050, 0, 1, 0, 0, 0)))), '\x18\x0f20500101000000Z');
  assert.equal(text(der.time(new Date(Date.UTC(9999, 11, 31, 23, 59, 59)))), '\x18\x0f99991231235959Z');
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

test('the reader takes apart what the encoder builds, and refuses truncated input', () => {
  const big = new Uint8Array(300).fill(7);
  const seq = der.sequence(der.oid('2.5.29.17'), der.octetString(big), der.nullValue());
  const top = readTlv(seq);
  assert.equal(top.tag, 0x30);
  assert.equal(top.raw.length, seq.length);
  const [id, value, nul] = children(top.content);
  assert.equal(dottedOid(id?.content ?? new Uint8Array()), '2.5.29.17');
  assert.deepEqual(value?.content, big);
  assert.equal(nul?.tag, 0x05);
  assert.equal(dottedOid(der.oid('1.2.840.10045.4.3.2').subarray(2)), '1.2.840.10045.4.3.2');
  assert.throws(() => readTlv(seq.subarray(0, seq.length - 1)), RangeError);
  assert.throws(() => readTlv(Uint8Array.of(0x30)), RangeError);
});
