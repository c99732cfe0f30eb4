/**
 * Changes that would let a stolen credential outlive its discovery — new API tokens, passkeys,
 * second factors, the password — need a login session: an API token is refused with
 * `session_required` (so a leaked token cannot mint more tokens or a passkey that survive its
 * revocation). Most also need a recent login (REAUTH_MS): an older session gets `reauth_required`
 * and the user logs in again (password and second factor, or a passkey), which replaces the
 * session. The local administrator (filesystem access to the data dir) passes.
 */
import { ApiError } from '../errors.js';
import type { Principal, System } from '../system.js';

/** How long after its login a session may change credentials without logging in again. */
export const REAUTH_MS = 10 * 60_000;

export function requireSession(p: Principal): void {
  if (p.via === 'token') throw new ApiError('session_required');
}

export function requireRecentLogin(sys: System, p: Principal): void {
  requireSession(p);
  if (p.via === 'session' && (p.authAt === undefined || sys.now() - p.authAt > REAUTH_MS)) throw new ApiError('reauth_required');
}
