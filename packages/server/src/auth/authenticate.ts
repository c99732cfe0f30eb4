/**
 * Request authentication: `Authorization: Bearer <api token>`, else the session cookie. Cookie-
 * authenticated state-changing requests must carry the session's CSRF token in `x-csrf-token`;
 * any state-changing request with an `Origin` header must come from the server's own origin.
 * Returns null when no credentials were presented (or they fail on an `auth: 'none'` endpoint).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { UserRecord } from '@meshwork/store';
import { ApiError } from '../errors.js';
import type { Principal, System } from '../system.js';
import { apiTokenMatches, parseApiToken } from './api-tokens.js';
import { safeEqual, sha256Hex } from './secrets.js';
import { SESSION_COOKIE, touchSession } from './sessions.js';

/** What authentication needs from a request (a Fastify request or a raw upgrade request). */
export interface AuthRequest {
  method?: string | undefined;
  headers: IncomingHttpHeaders;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** lastUsedAt of an API token is written at most this often. */
const TOKEN_TOUCH_MS = 60_000;

export async function authenticate(
  sys: System,
  req: AuthRequest,
  cookies: Record<string, string>,
  required: boolean,
): Promise<Principal | null> {
  const method = (req.method ?? 'GET').toUpperCase();
  const auth = req.headers.authorization;
  if (auth !== undefined) {
    const p = await tokenPrincipal(sys, auth).catch((e: unknown) => {
      if (required) throw e;
      return null;
    });
    return p;
  }
  const stateChanging = !SAFE_METHODS.has(method);
  if (stateChanging) assertSameOrigin(sys, req.headers);
  if (cookies[SESSION_COOKIE] === undefined) return null;
  try {
    const p = await sessionPrincipal(sys, cookies);
    if (p && stateChanging) assertCsrf(p, headerValue(req.headers['x-csrf-token']));
    return p;
  } catch (e) {
    if (required) throw e;
    return null;
  }
}

/** The principal of an `Authorization: Bearer mwt_…` header. */
export async function tokenPrincipal(sys: System, header: string): Promise<Principal> {
  const m = /^Bearer ([!-~]{1,200})$/.exec(header);
  const parsed = m?.[1] ? parseApiToken(m[1]) : null;
  if (!parsed) throw new ApiError('token_invalid');
  const t = await sys.store.getApiToken(parsed.id);
  if (!t || !apiTokenMatches(t, parsed.secret)) throw new ApiError('token_invalid');
  const now = sys.now();
  if (t.expiresAt !== null && t.expiresAt <= now) throw new ApiError('token_expired');
  const user = await activeUser(sys, t.userId);
  if (t.lastUsedAt === null || now - t.lastUsedAt >= TOKEN_TOUCH_MS) await sys.store.touchApiToken(t.id, now);
  return { user, via: 'token', tokenId: t.id };
}

/**
 * The principal of the session cookie; null when there is no cookie or no such session (logged
 * out). Throws session_expired / account_disabled. Does NOT check CSRF or Origin: callers do.
 */
export async function sessionPrincipal(sys: System, cookies: Record<string, string>): Promise<Principal | null> {
  const secret = cookies[SESSION_COOKIE];
  if (secret === undefined) return null;
  const id = sha256Hex(secret);
  const found = await sys.store.getSession(id);
  if (!found) return null;
  if (found.expiresAt <= sys.now()) {
    await sys.store.deleteSession(id);
    throw new ApiError('session_expired');
  }
  const user = await activeUser(sys, found.userId);
  const s = await touchSession(sys, found);
  return { user, via: 'session', sessionId: s.id, csrfToken: s.csrfToken, authAt: s.createdAt };
}

async function activeUser(sys: System, id: string): Promise<UserRecord> {
  const user = await sys.store.getUser(id);
  if (!user) throw new ApiError('unauthenticated');
  if (user.disabled) throw new ApiError('account_disabled');
  return user;
}

/** Throws csrf_failed unless `token` is the session's CSRF token (constant-time compare). */
export function assertCsrf(p: Principal, token: string | undefined): void {
  if (p.via !== 'session') return;
  if (!token || !p.csrfToken || !safeEqual(token, p.csrfToken)) throw new ApiError('csrf_failed');
}

/**
 * Throws origin_rejected when an Origin header is present and is not this server: `https://` +
 * the request's Host, or one of the configured public URLs.
 */
export function assertSameOrigin(sys: System, headers: IncomingHttpHeaders): void {
  const origin = headerValue(headers.origin);
  if (origin === undefined) return;
  if (!isOwnOrigin(sys, origin, headerValue(headers.host))) throw new ApiError('origin_rejected');
}

export function isOwnOrigin(sys: System, origin: string, host: string | undefined): boolean {
  const o = origin.toLowerCase();
  if (host && o === `https://${host.toLowerCase()}`) return true;
  return sys.config.publicUrls.some((u) => o === u.toLowerCase().replace(/\/+$/, ''));
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
