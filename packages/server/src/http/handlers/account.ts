/**
 * Handlers: account — own password and TOTP enrolment. All need a login session (never an API
 * token, auth/fresh.ts); TOTP enrolment needs a recent login, while a password change and turning
 * TOTP off carry the current password, which is the fresh proof.
 */
import { AUTH_EVENTS, audit } from '../../auth/audit.js';
import { requireRecentLogin, requireSession } from '../../auth/fresh.js';
import { assertRealAccount } from '../../authz/accounts.js';
import { assertNotLocked } from '../../authz/site.js';
import { hashPassword, verifyPassword } from '../../auth/passwords.js';
import { endOtherSessions } from '../../auth/sessions.js';
import { beginLoginAttempt } from '../../auth/throttle.js';
import { newBackupCodes, newTotpSecret, useTotpCode } from '../../auth/totp.js';
import { ApiError } from '../../errors.js';
import type { Principal, System } from '../../system.js';
import { must, type AreaHandlers } from '../handler.js';

/** Re-checks the account password, throttled like a login (no brute force via a session). */
async function confirmPassword(sys: System, p: Principal, password: string, ip: string): Promise<void> {
  const attempt = await beginLoginAttempt(sys, ip, p.user.name);
  if (!(await verifyPassword(p.user.passwordHash, password))) {
    await attempt.fail('bad_credentials', p.user.id, p.user.name);
    throw new ApiError('bad_credentials', 'The current password is wrong.');
  }
  await attempt.succeed();
}

/** Own-account changes: a real account, not locked, through a session. */
function ownAccount(principal: Principal | null): Principal {
  const p = must(principal);
  assertRealAccount(p);
  assertNotLocked(p);
  requireSession(p);
  return p;
}

/** With a password change: revoke every API token and remove every passkey of the account, when asked. */
async function dropOtherCredentials(sys: System, userId: string, o: { revokeTokens?: boolean | undefined; removePasskeys?: boolean | undefined }): Promise<{ tokens: number; passkeys: number }> {
  let tokens = 0;
  if (o.revokeTokens) {
    for (const t of await sys.store.listApiTokens(userId)) if (await sys.store.deleteApiToken(t.id)) tokens++;
  }
  const passkeys = o.removePasskeys ? await sys.store.deletePasskeysOfUser(userId) : 0;
  return { tokens, passkeys };
}

export const accountHandlers: AreaHandlers<'account.changePassword' | 'account.totpBegin' | 'account.totpEnable' | 'account.totpDisable'> = {
  'account.changePassword': async ({ sys, principal, body, ip }) => {
    const p = ownAccount(principal);
    await confirmPassword(sys, p, body.current, ip);
    await sys.store.updateUser(p.user.id, { passwordHash: await hashPassword(body.password) });
    await endOtherSessions(sys, p.user.id, p.sessionId);
    const dropped = await dropOtherCredentials(sys, p.user.id, body);
    const also = [dropped.tokens > 0 || body.revokeTokens ? `revoked ${dropped.tokens} API tokens` : '', dropped.passkeys > 0 || body.removePasskeys ? `removed ${dropped.passkeys} passkeys` : ''].filter(Boolean);
    await audit(sys, {
      type: AUTH_EVENTS.passwordChanged, message: `${p.user.name} changed their password${also.length ? ` and ${also.join(' and ')}` : ''}`,
      actorId: p.user.id, data: { revokedTokens: dropped.tokens, removedPasskeys: dropped.passkeys }, visibleTo: [p.user.id, '*'],
    });
    return { ok: true };
  },

  'account.totpBegin': async ({ sys, principal }) => {
    const p = ownAccount(principal);
    requireRecentLogin(sys, p);
    if (p.user.totpSecret !== null) throw new ApiError('conflict', 'TOTP is already on; turn it off first.');
    const t = await newTotpSecret(p.user.name);
    await sys.store.updateUser(p.user.id, { totpPendingSecret: t.secret });
    return t;
  },

  'account.totpEnable': async ({ sys, principal, body }) => {
    const p = ownAccount(principal);
    requireRecentLogin(sys, p);
    const pending = p.user.totpPendingSecret;
    if (p.user.totpSecret !== null) throw new ApiError('conflict', 'TOTP is already on.');
    if (pending === null) throw new ApiError('conflict', 'Start TOTP enrolment first (account/totp/begin).');
    if (!(await useTotpCode(sys, p.user.id, pending, body.code))) throw new ApiError('bad_mfa_code');
    const { codes, hashes } = newBackupCodes();
    await sys.store.updateUser(p.user.id, { totpSecret: pending, totpPendingSecret: null, backupCodeHashes: hashes });
    await audit(sys, { type: AUTH_EVENTS.totpEnabled, message: `${p.user.name} turned on TOTP`, actorId: p.user.id, visibleTo: [p.user.id, '*'] });
    return { backupCodes: codes };
  },

  'account.totpDisable': async ({ sys, principal, body, ip }) => {
    const p = ownAccount(principal);
    await confirmPassword(sys, p, body.password, ip);
    await sys.store.updateUser(p.user.id, { totpSecret: null, totpPendingSecret: null, backupCodeHashes: [] });
    await sys.store.clearTotpSteps(p.user.id);
    await audit(sys, { type: AUTH_EVENTS.totpDisabled, message: `${p.user.name} turned off TOTP`, actorId: p.user.id, visibleTo: [p.user.id, '*'] });
    return { ok: true };
  },
};
