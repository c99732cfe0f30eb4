/**
 * API tokens: `mwt_<id>_<secret>`. The id (24 hex) locates the record; the secret (256 bits) is
 * stored only as SHA-256 and compared in constant time. The whole string is shown once.
 */
import { randomBytes } from 'node:crypto';
import type { ApiTokenRecord } from '@meshwork/store';
import { newSecret, safeEqual, sha256Hex } from './secrets.js';

const FORMAT = /^mwt_([0-9a-f]{24})_([A-Za-z0-9_-]{43})$/;

export function newApiToken(userId: string, name: string, now: number, expiresAt: number | null): { record: ApiTokenRecord; secret: string } {
  const id = randomBytes(12).toString('hex');
  const raw = newSecret();
  return {
    record: { id, userId, name, secretHash: sha256Hex(raw), createdAt: now, expiresAt, lastUsedAt: null },
    secret: `mwt_${id}_${raw}`,
  };
}

/** Splits a bearer string into id and secret; null when it is not one of ours. */
export function parseApiToken(bearer: string): { id: string; secret: string } | null {
  const m = FORMAT.exec(bearer);
  return m?.[1] && m[2] ? { id: m[1], secret: m[2] } : null;
}

export const apiTokenMatches = (record: ApiTokenRecord, secret: string): boolean => safeEqual(record.secretHash, sha256Hex(secret));
