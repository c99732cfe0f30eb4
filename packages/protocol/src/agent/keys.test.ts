import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { deviceIdFromSpkiHash, isP256Spki, p256SpkiFromPoint, P256_SPKI_LENGTH } from './keys.js';

const p256 = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey;

test('p256SpkiFromPoint rebuilds the SPKI node:crypto exports', () => {
  for (let i = 0; i < 20; i++) {
    const key = p256();
    const spki = key.export({ type: 'spki', format: 'der' });
    const jwk = key.export({ format: 'jwk' });
    const x = Buffer.from(jwk.x ?? '', 'base64url');
    const y = Buffer.from(jwk.y ?? '', 'base64url');
    assert.deepEqual(p256SpkiFromPoint(x, y), new Uint8Array(spki));
    // a coordinate with leading zero bytes stripped is padded back
    const xs = x[0] === 0 ? x.subarray(1) : x;
    assert.deepEqual(p256SpkiFromPoint(xs, y), new Uint8Array(spki));
    assert.equal(isP256Spki(spki), true);
  }
});

test('isP256Spki refuses other curves, algorithms and compressed points', () => {
  const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey.export({ type: 'spki', format: 'der' });
  const ed = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' });
  assert.equal(isP256Spki(p384), false);
  assert.equal(isP256Spki(ed), false);
  const spki = new Uint8Array(p256().export({ type: 'spki', format: 'der' }));
  const compressed = spki.slice();
  compressed[26] = 0x02;
  assert.equal(isP256Spki(compressed), false);
  assert.equal(isP256Spki(spki.subarray(0, P256_SPKI_LENGTH - 1)), false);
});

test('device id = lowercase hex of SHA-384 over the SPKI DER, 96 characters', () => {
  const spki = p256().export({ type: 'spki', format: 'der' });
  const digest = createHash('sha384').update(spki).digest();
  const id = deviceIdFromSpkiHash(digest);
  assert.match(id, /^[0-9a-f]{96}$/);
  assert.equal(id, digest.toString('hex'));
  assert.throws(() => deviceIdFromSpkiHash(digest.subarray(0, 32)), RangeError);
});
