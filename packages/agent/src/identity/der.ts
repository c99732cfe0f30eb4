/** A minimal DER encoder: just the types an X.509 certificate and an ECDSA signature need. */

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** Tag-length-value. */
export function tlv(tag: number, ...content: Uint8Array[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

export const sequence = (...items: Uint8Array[]) => tlv(0x30, ...items);
export const set = (...items: Uint8Array[]) => tlv(0x31, ...items);
/** [n] EXPLICIT */
export const explicit = (n: number, ...items: Uint8Array[]) => tlv(0xa0 | n, ...items);
export const nullValue = () => tlv(0x05);
export const bool = (v: boolean) => tlv(0x01, Buffer.from([v ? 0xff : 0x00]));
export const utf8String = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));
export const octetString = (b: Uint8Array) => tlv(0x04, b);
/** BIT STRING with no unused bits. */
export const bitString = (b: Uint8Array) => tlv(0x03, Buffer.from([0]), b);

/** A non-negative INTEGER from big-endian magnitude bytes (minimal encoding). */
export function unsignedInteger(magnitude: Uint8Array): Buffer {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  const m = Buffer.from(magnitude.subarray(i));
  const body = m.length === 0 ? Buffer.from([0]) : (m[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), m]) : m;
  return tlv(0x02, body);
}
export const smallInteger = (n: number) => unsignedInteger(Buffer.from([n]));

export function oid(dotted: string): Buffer {
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
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime until 2049, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5). */
export function time(d: Date): Buffer {
  const iso = d.toISOString(); // 2026-11-26T10:00:00.000Z
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '') + 'Z'; // 20261126100000Z
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(digits.slice(2), 'ascii')) : tlv(0x18, Buffer.from(digits, 'ascii'));
}

/** ECDSA (r, s) as the DER SEQUENCE { INTEGER r, INTEGER s } that X.509 and node:crypto expect. */
export function ecdsaSignatureDer(r: Uint8Array, s: Uint8Array): Buffer {
  return sequence(unsignedInteger(r), unsignedInteger(s));
}
