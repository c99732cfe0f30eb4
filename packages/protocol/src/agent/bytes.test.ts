import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { base64ToBytes, base64urlToBytes, bytesEqual, bytesToBase64, bytesToBase64url, bytesToHex, hexToBytes } from './bytes.js';

test('codecs agree with Buffer for every length 0–70', () => {
  for (let n = 0; n <= 70; n++) {
    const b = randomBytes(n);
    assert.equal(bytesToHex(b), b.toString('hex'));
    assert.equal(bytesToBase64(b), b.toString('base64'));
    assert.equal(bytesToBase64url(b), b.toString('base64url'));
    assert.deepEqual(hexToBytes(b.toString('hex')), new Uint8Array(b));
    assert.deepEqual(base64ToBytes(b.toString('base64')), new Uint8Array(b));
    assert.deepEqual(base64urlToBytes(b.toString('base64url')), new Uint8Array(b));
  }
});

test('decoders reject non-canonical and foreign text', () => {
  assert.equal(base64ToBytes('QQ'), undefined, 'padding required');
  assert.equal(base64ToBytes('QR=='), undefined, 'non-zero trailing bits');
  assert.equal(base64ToBytes('QQ=='.replace('Q', '-')), undefined, 'url alphabet in base64');
  assert.equal(base64urlToBytes('QQ=='), undefined, 'padding in base64url');
  assert.equal(base64urlToBytes('QR'), undefined, 'non-zero trailing bits');
  assert.equal(base64urlToBytes('a+b/'), undefined, 'standard alphabet in base64url');
  assert.equal(base64urlToBytes('abcde'), undefined, 'impossible length');
  assert.equal(hexToBytes('abc'), undefined);
  assert.equal(hexToBytes('zz'), undefined);
});

test('bytesEqual compares length and content', () => {
  assert.equal(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2)), true);
  assert.equal(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 3)), false);
  assert.equal(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 0)), false);
});
