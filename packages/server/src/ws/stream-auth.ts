/**
 * Who is opening a browser stream. Two ways in, checked before the socket is upgraded, using the
 * same rules as REST requests (auth/authenticate.ts):
 * - the session cookie: the Origin header must be present and be this server's own origin
 *   (against cross-site WebSocket hijacking), and the query parameter `csrf` must equal the
 *   session's CSRF token (an in-band secret a foreign page cannot read);
 * - `Authorization: Bearer <api token>` (scripts; browsers cannot set this header on a WebSocket).
 */
import type { IncomingMessage } from 'node:http';
import type { ErrorCode } from '@meshwork/protocol';
import { assertCsrf, isOwnOrigin, sessionPrincipal, tokenPrincipal } from '../auth/authenticate.js';
import { SESSION_COOKIE } from '../auth/sessions.js';
import { ApiError } from '../errors.js';
import { parseCookies } from '../http/cookies.js';
import type { Principal, System } from '../system.js';
import { requestUrl } from './upgrade.js';

export type StreamAuth = { ok: true; principal: Principal } | { ok: false; code: ErrorCode };

const refused = (code: ErrorCode): StreamAuth => ({ ok: false, code });

export async function authenticateStream(sys: System, req: IncomingMessage): Promise<StreamAuth> {
  try {
    const auth = req.headers.authorization;
    if (auth !== undefined) return { ok: true, principal: await tokenPrincipal(sys, auth) };
    const cookies = parseCookies(req.headers.cookie);
    if (cookies[SESSION_COOKIE] === undefined) return refused('unauthenticated');
    const origin = req.headers.origin;
    if (origin === undefined || !isOwnOrigin(sys, origin, req.headers.host)) return refused('origin_rejected');
    const principal = await sessionPrincipal(sys, cookies);
    if (!principal) return refused('unauthenticated');
    assertCsrf(principal, requestUrl(req)?.searchParams.get('csrf') ?? undefined);
    return { ok: true, principal };
  } catch (e) {
    if (e instanceof ApiError) return refused(e.code);
    throw e;
  }
}

/** Whether the credentials behind a live stream still hold (session/token present, user enabled). */
export async function stillValid(sys: System, p: Principal): Promise<StreamAuth> {
  const now = sys.now();
  if (p.via === 'session' && p.sessionId !== undefined) {
    const s = await sys.store.getSession(p.sessionId);
    if (!s || s.expiresAt <= now) return refused('session_expired');
  } else if (p.via === 'token' && p.tokenId !== undefined) {
    const t = await sys.store.getApiToken(p.tokenId);
    if (!t) return refused('token_invalid');
    if (t.expiresAt !== null && t.expiresAt <= now) return refused('token_expired');
  }
  const user = await sys.store.getUser(p.user.id);
  if (!user) return refused('unauthenticated');
  if (user.disabled) return refused('account_disabled');
  return { ok: true, principal: { ...p, user } };
}
