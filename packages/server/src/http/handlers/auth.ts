/** Handlers: auth — log in, the current session, log out here or everywhere. */
import { AUTH_EVENTS, audit } from '../../auth/audit.js';
import { checkLogin } from '../../auth/login.js';
import { SESSION_COOKIE, startSession } from '../../auth/sessions.js';
import { sessionView } from '../../auth/views.js';
import { sha256Hex } from '../../auth/secrets.js';
import { ApiError } from '../../errors.js';
import { must, type AreaHandlers } from '../handler.js';

/** Shown as the expiry of credentials that do not expire (tokens without expiry, local mode). */
const NEVER = Date.UTC(9999, 11, 31);

export const authHandlers: AreaHandlers<'auth.login' | 'auth.session' | 'auth.logout' | 'auth.logoutAll'> = {
  'auth.login': async ({ sys, body, ip, userAgent, reply, cookies }) => {
    const user = await checkLogin(sys, body, ip);
    // A session cookie the browser still holds is replaced, never reused (no session fixation).
    const old = cookies[SESSION_COOKIE];
    if (old !== undefined) await sys.store.deleteSession(sha256Hex(old));
    const session = await startSession(sys, user, ip, userAgent, reply);
    return sessionView(user, session);
  },

  'auth.session': async ({ sys, principal }) => {
    const p = must(principal);
    if (p.via === 'session' && p.sessionId) {
      const s = await sys.store.getSession(p.sessionId);
      if (!s) throw new ApiError('unauthenticated');
      return sessionView(p.user, s);
    }
    const t = p.tokenId ? await sys.store.getApiToken(p.tokenId) : null;
    return sessionView(p.user, { csrfToken: '', expiresAt: t?.expiresAt ?? NEVER });
  },

  'auth.logout': async ({ sys, principal, reply }) => {
    const p = must(principal);
    reply.clearCookie(SESSION_COOKIE);
    if (!p.sessionId) return { ok: true };
    await sys.store.deleteSession(p.sessionId);
    // The event makes open relay sessions and event streams of this session end at once, on every worker.
    await audit(sys, { type: AUTH_EVENTS.logout, message: `${p.user.name} logged out`, actorId: p.user.id, data: { sessions: 1 } });
    return { ok: true };
  },

  'auth.logoutAll': async ({ sys, principal, reply }) => {
    const p = must(principal);
    const n = await sys.store.deleteSessionsOfUser(p.user.id);
    reply.clearCookie(SESSION_COOKIE);
    await audit(sys, { type: AUTH_EVENTS.logout, message: `${p.user.name} ended all ${n} sessions`, actorId: p.user.id, data: { sessions: n } });
    return { ok: true };
  },
};
