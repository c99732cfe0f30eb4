/**
 * Identity keys on the agent protocol: ECDSA P-256 with SHA-256, and nothing else — there is no
 * algorithm field anywhere, so there is nothing to negotiate or downgrade.
 *
 * Device id (and ServerID) derivation rule:
 *   id = lowercase hex( SHA-384( SubjectPublicKeyInfo DER of the P-256 public key ) )
 * i.e. 96 characters [0-9a-f]. The SPKI is the 91-byte DER defined by RFC 5480 with an uncompressed
 * point (`P256_SPKI_PREFIX ‖ 0x04 ‖ X ‖ Y`). Hashing happens in the agent and server (node:crypto);
 * this module fixes the input bytes and the text form.
 */
import { bytesEqual, bytesToHex } from './bytes.js';

/** DER of SEQUENCE{ SEQUENCE{ id-ecPublicKey, prime256v1 }, BIT STRING header } — up to the point. */
export const P256_SPKI_PREFIX = Uint8Array.from([
  0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
  0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
]);
/** Byte length of a P-256 SubjectPublicKeyInfo DER with an uncompressed point. */
export const P256_SPKI_LENGTH = P256_SPKI_PREFIX.length + 65;
/** Byte length of a P-256 coordinate. */
export const P256_COORDINATE_BYTES = 32;
/** Bytes of a SHA-384 digest, the hash behind device ids and ServerIDs. */
export const DEVICE_ID_HASH_BYTES = 48;
/** The WebCrypto / node:crypto name of the device-id hash. */
export const DEVICE_ID_HASH = 'SHA-384';

/** True when `spki` is exactly a P-256 SubjectPublicKeyInfo with an uncompressed point. */
export function isP256Spki(spki: Uint8Array): boolean {
  return (
    spki.length === P256_SPKI_LENGTH &&
    bytesEqual(spki.subarray(0, P256_SPKI_PREFIX.length), P256_SPKI_PREFIX) &&
    spki[P256_SPKI_PREFIX.length] === 0x04
  );
}

/**
 * Builds the P-256 SPKI DER from the affine coordinates (big-endian, ≤ 32 bytes each; shorter
 * values are left-padded, as a TPM may return them).
 */
export function p256SpkiFromPoint(x: Uint8Array, y: Uint8Array): Uint8Array {
  if (x.length > P256_COORDINATE_BYTES || y.length > P256_COORDINATE_BYTES) {
    throw new RangeError('P-256 coordinate longer than 32 bytes');
  }
  const out = new Uint8Array(P256_SPKI_LENGTH);
  out.set(P256_SPKI_PREFIX, 0);
  const point = P256_SPKI_PREFIX.length;
  out[point] = 0x04;
  out.set(x, point + 1 + P256_COORDINATE_BYTES - x.length);
  out.set(y, point + 1 + 2 * P256_COORDINATE_BYTES - y.length);
  return out;
}

/** Text form of a device id or ServerID from the SHA-384 digest of the SPKI DER. */
export function deviceIdFromSpkiHash(sha384: Uint8Array): string {
  if (sha384.length !== DEVICE_ID_HASH_BYTES) throw new RangeError('expected a 48-byte SHA-384 digest');
  return bytesToHex(sha384);
}
