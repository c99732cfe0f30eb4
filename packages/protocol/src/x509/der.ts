/**
 * A minimal DER encoder: just the types an X.509 certificate and an ECDSA signature need.
 * Every function returns a fresh Uint8Array (no Buffer: this runs in any JavaScript runtime).
 */

const utf8 = new TextEncoder();

/** The bytes of several arrays, one after the other. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function length(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

/** Tag-length-value. */
export function tlv(tag: number, ...content: Uint8Array[]): Uint8Array {
  const body = concat(content);
  return concat([Uint8Array.of(tag, ...length(body.length)), body]);
}

export const sequence = (...items: Uint8Array[]): Uint8Array => tlv(0x30, ...items);
export const set = (...items: Uint8Array[]): Uint8Array => tlv(0x31, ...items);
/** [n] EXPLICIT (constructed, context-specific). */
export const explicit = (n: number, ...items: Uint8Array[]): Uint8Array => tlv(0xa0 | n, ...items);
/** [n] IMPLICIT of a primitive type (e.g. a GeneralName's dNSName is [2] IA5String). */
export const implicit = (n: number, content: Uint8Array): Uint8Array => tlv(0x80 | n, content);
export const nullValue = (): Uint8Array => tlv(0x05);
export const bool = (v: boolean): Uint8Array => tlv(0x01, Uint8Array.of(v ? 0xff : 0x00));
export const utf8String = (s: string): Uint8Array => tlv(0x0c, utf8.encode(s));
export const octetString = (b: Uint8Array): Uint8Array => tlv(0x04, b);
/** BIT STRING with no unused bits. */
export const bitString = (b: Uint8Array, unusedBits = 0): Uint8Array => tlv(0x03, Uint8Array.of(unusedBits), b);

/** ASCII text (IA5String content, times); throws on anything else rather than mis-encode it. */
export function ascii(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) throw new RangeError(`not ASCII: ${JSON.stringify(s)}`);
    out[i] = c;
  }
  return out;
}

/** A non-negative INTEGER from big-endian magnitude bytes (minimal encoding). */
export function unsignedInteger(magnitude: Uint8Array): Uint8Array {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  const m = magnitude.subarray(i);
  if (m.length === 0) return tlv(0x02, Uint8Array.of(0));
  return (m[0] ?? 0) & 0x80 ? tlv(0x02, Uint8Array.of(0), m) : tlv(0x02, m);
}

/** A small non-negative INTEGER (0 … 2^31−1). */
export function smallInteger(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) throw new RangeError(`not a small integer: ${n}`);
  return unsignedInteger(Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff));
}

export function oid(dotted: string): Uint8Array {
  const parts = dotted.split('.').map(Number);
  const [a = 0, b = 0, ...rest] = parts;
  const out: number[] = [40 * a + b];
  for (const p of rest) {
    const seven: number[] = [];
    let v = p;
    do {
      seven.unshift(v & 0x7f);
      v = Math.floor(v / 128);
    } while (v > 0);
    for (let i = 0; i < seven.length - 1; i++) seven[i] = (seven[i] ?? 0) | 0x80;
    out.push(...seven);
  }
  return tlv(0x06, Uint8Array.from(out));
}

/** UTCTime for 1950–2049, GeneralizedTime otherwise (RFC 5280 §4.1.2.5); whole seconds, Z. */
export function time(d: Date): Uint8Array {
  const digits = d.toISOString().slice(0, 19).replace(/[-T:]/g, '') + 'Z'; // 20261126100000Z
  const year = d.getUTCFullYear();
  return year >= 1950 && year < 2050 ? tlv(0x17, ascii(digits.slice(2))) : tlv(0x18, ascii(digits));
}

/** ECDSA (r, s) as the DER SEQUENCE { INTEGER r, INTEGER s } that X.509 and node:crypto expect. */
export function ecdsaSignatureDer(r: Uint8Array, s: Uint8Array): Uint8Array {
  return sequence(unsignedInteger(r), unsignedInteger(s));
}
