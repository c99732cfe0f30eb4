/** Store records → wire models (protocol) for accounts, sessions, API tokens and passkeys. */
import type { ApiToken, Passkey, SessionInfo, User } from '@meshwork/protocol';
import { siteRightsToNames } from '@meshwork/protocol';
import type { ApiTokenRecord, PasskeyRecord, SessionRecord, UserRecord } from '@meshwork/store';

const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

export function userView(u: UserRecord): User {
  return {
    id: u.id,
    name: u.name,
    siteRights: siteRightsToNames(u.siteRights),
    disabled: u.disabled,
    totpEnabled: u.totpSecret !== null,
    createdAt: iso(u.createdAt),
    lastLoginAt: isoOrNull(u.lastLoginAt),
  };
}

export function sessionView(u: UserRecord, s: Pick<SessionRecord, 'csrfToken' | 'expiresAt'>): SessionInfo {
  return { user: userView(u), csrfToken: s.csrfToken, expiresAt: iso(s.expiresAt) };
}

export function tokenView(t: ApiTokenRecord): ApiToken {
  return { id: t.id, userId: t.userId, name: t.name, createdAt: iso(t.createdAt), expiresAt: isoOrNull(t.expiresAt), lastUsedAt: isoOrNull(t.lastUsedAt) };
}

export function passkeyView(p: PasskeyRecord): Passkey {
  return { id: p.id, name: p.name, createdAt: iso(p.createdAt), lastUsedAt: isoOrNull(p.lastUsedAt) };
}
