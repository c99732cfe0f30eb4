/**
 * TOTP codes for browser tests, computed independently of the server (which uses otplib):
 * RFC 4226 HOTP over RFC 4648 base32 secrets, with RFC 6238 time steps (SHA-1, 30 s, 6 digits).
 */
import { createHmac } from 'node:crypto';

export const STEP_SECONDS = 30;

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 (case and spaces ignored, padding optional). */
export function base32Decode(text: string): Buffer {
  const clean = text.toUpperCase().replace(/[\s=]/g, '');
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of clean) {
    const i = B32.indexOf(ch);
    if (i < 0) throw new Error(`not base32: ${JSON.stringify(ch)}`);
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 4226 HOTP with dynamic truncation. */
export function hotp(key: Buffer, counter: number, digits = 6): string {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', key).update(msg).digest();
  const offset = (mac[mac.length - 1] ?? 0) & 0x0f;
  const bin = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(bin % 10 ** digits).padStart(digits, '0');
}

/** The RFC 6238 time step of `timeMs`. */
export const totpStep = (timeMs: number = Date.now()): number => Math.floor(timeMs / 1000 / STEP_SECONDS);

/** The 6-digit code of a base32 `secret` for time step `step`. */
export const totpCode = (secret: string, step: number): string => hotp(base32Decode(secret), step);
