/** Small helpers for secrets: random tokens, SHA-256 digests, constant-time comparison. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A 256-bit random secret, url-safe (43 characters). */
export const newSecret = (): string => randomBytes(32).toString('base64url');

export const sha256Hex = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

/** Constant-time string equality; lengths are hidden by comparing digests. */
export function safeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db) && a.length === b.length;
}
