/**
 * Byte ↔ text codecs used on the agent wire (hex, base64, base64url), written out here so that
 * protocol stays runtime-neutral (no Buffer, no atob in Node 20's type set).
 * Decoders are strict: they reject anything that would not re-encode to the same text.
 */

const HEX = '0123456789abcdef';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Lowercase hex, two characters per byte. */
export function bytesToHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += HEX[b >> 4]! + HEX[b & 15]!;
  return out;
}

/** Parses lowercase or uppercase hex; undefined when the text is not an even run of hex digits. */
export function hexToBytes(text: string): Uint8Array | undefined {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) return undefined;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function encode(bytes: Uint8Array, alphabet: string, pad: boolean): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const b0 = bytes[i]!;
    const b1 = bytes[i + 1];
    const b2 = bytes[i + 2];
    out += alphabet[b0 >> 2]! + alphabet[((b0 & 3) << 4) | ((b1 ?? 0) >> 4)]!;
    if (b1 === undefined) out += pad ? '==' : '';
    else if (b2 === undefined) out += alphabet[(b1 & 15) << 2]! + (pad ? '=' : '');
    else out += alphabet[((b1 & 15) << 2) | (b2 >> 6)]! + alphabet[b2 & 63]!;
  }
  return out;
}

function decode(text: string, alphabet: string, pad: boolean): Uint8Array | undefined {
  const body = pad ? text.replace(/={1,2}$/, '') : text;
  if (pad && text.length % 4 !== 0) return undefined;
  if (body.length % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((body.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (const ch of body) {
    const v = alphabet.indexOf(ch);
    if (v < 0) return undefined;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  // Canonical form only: the unused low bits of the last character must be zero.
  return encode(out, alphabet, pad) === text ? out : undefined;
}

/** Standard base64 with padding (RFC 4648 §4) — used for DER blobs (keys, signatures, certificates). */
export const bytesToBase64 = (bytes: Uint8Array): string => encode(bytes, B64, true);
export const base64ToBytes = (text: string): Uint8Array | undefined => decode(text, B64, true);

/** base64url without padding (RFC 4648 §5) — used for nonces. */
export const bytesToBase64url = (bytes: Uint8Array): string => encode(bytes, B64URL, false);
export const base64urlToBytes = (text: string): Uint8Array | undefined => decode(text, B64URL, false);

/** Constant-shape comparison of two byte arrays (length and content). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
