/**
 * Login sessions. The cookie `mw_session` holds a 256-bit secret; the store keeps only its SHA-256
 * (the session id) and a per-session CSRF token. Expiry slides with use (idle limit) up to an
 * absolute limit from creation.
 */
import type { SessionRecord, UserRecord } from '@meshwork/store';
import type { System } from '../system.js';
import type { ReplyControl } from '../http/handler.js';
import { newSecret, sha256Hex } from './secrets.js';

export const SESSION_COOKIE = 'mw_session';
/** lastSeenAt is written at most this often per session (not on every request). */
const TOUCH_EVERY_MS = 60_000;

export const sessionExpiry = (sys: System, createdAt: number, now: number): number =>
  Math.min(now + sys.config.sessionIdleMs, createdAt + sys.config.sessionMaxMs);

/** Creates a session for the user and sets its cookie on the response. */
export async function startSession(sys: System, user: UserRecord, ip: string, userAgent: string, reply: ReplyControl): Promise<SessionRecord> {
  const secret = newSecret();
  const now = sys.now();
  const s: SessionRecord = {
    id: sha256Hex(secret),
    userId: user.id,
    csrfToken: newSecret(),
    createdAt: now,
    expiresAt: sessionExpiry(sys, now, now),
    lastSeenAt: now,
    ip: ip.slice(0, 64),
    userAgent: userAgent.slice(0, 256),
  };
  await sys.store.createSession(s);
  reply.setCookie(SESSION_COOKIE, secret, { maxAgeSeconds: sys.config.sessionMaxMs / 1000 });
  return s;
}

/** Slides the session's expiry, writing at most once a minute. */
export async function touchSession(sys: System, s: SessionRecord): Promise<SessionRecord> {
  const now = sys.now();
  if (now - s.lastSeenAt < TOUCH_EVERY_MS) return s;
  const expiresAt = sessionExpiry(sys, s.createdAt, now);
  await sys.store.touchSession(s.id, now, expiresAt);
  return { ...s, lastSeenAt: now, expiresAt };
}

/** Ends every session of a user except `keepId` (a password change keeps the session that made it). */
export async function endOtherSessions(sys: System, userId: string, keepId?: string): Promise<void> {
  const keep = keepId ? await sys.store.getSession(keepId) : null;
  await sys.store.deleteSessionsOfUser(userId);
  if (keep) await sys.store.createSession(keep);
}
