/**
 * Enrolment tokens: `mwe_<id>_<secret>` where id is 16 hex characters and secret is 32 random
 * bytes in base64url. Only SHA-256 hex of the whole token string is stored, so a leaked database
 * does not leak usable tokens; the secret is shown once, inside the install file that creates it.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { EnrolmentToken } from '@meshwork/protocol';
import type { EnrolmentTokenRecord } from '@meshwork/store';
import { iso, isoOrNull } from '../ids.js';

const TOKEN = /^mwe_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface NewEnrolmentToken {
  id: string;
  /** The full token string handed to the agent. */
  token: string;
  secretHash: string;
}

export function hashEnrolmentToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function newEnrolmentToken(): NewEnrolmentToken {
  const id = randomBytes(8).toString('hex');
  const token = `mwe_${id}_${randomBytes(32).toString('base64url')}`;
  return { id, token, secretHash: hashEnrolmentToken(token) };
}

/** The id inside a well-formed token, or null. The agent side presents the token; look it up by hash. */
export function enrolmentTokenId(token: string): string | null {
  return TOKEN.exec(token)?.[1] ?? null;
}

export function enrolmentTokenView(t: EnrolmentTokenRecord): EnrolmentToken {
  return {
    id: t.id,
    groupId: t.groupId,
    createdAt: iso(t.createdAt),
    expiresAt: isoOrNull(t.expiresAt),
    maxUses: t.maxUses,
    uses: t.uses,
  };
}
