/** Handlers: account — own password and TOTP enrolment. */
import { AUTH_EVENTS, audit } from '../../auth/audit.js';
import { assertRealAccount } from '../../authz/accounts.js';
import { assertNotLocked } from '../../authz/site.js';
import { hashPassword, verifyPassword } from '../../auth/passwords.js';
import { endOtherSessions } from '../../auth/sessions.js';
import { assertNotLockedOut, recordLoginFailure } from '../../auth/throttle.js';
import { lastStepKey, newBackupCodes, newTotpSecret, useTotpCode, withUserLock } from '../../auth/totp.js';
import { ApiError } from '../../errors.js';
import type { Principal, System } from '../../system.js';
import { must, type AreaHandlers } from '../handler.js';

/** Re-checks the account password (counted as a login failure when wrong: no brute force via a session). */
async function confirmPassword(sys: System, p: Principal, password: string, ip: string): Promise<void> {
  await assertNotLockedOut(sys, ip);
  if (!(await verifyPassword(p.user.passwordHash, password))) {
    await recordLoginFailure(sys, ip, 'bad_credentials', p.user.id, p.user.name);
    throw new ApiError('bad_credentials', 'The current password is wrong.');
  }
}

export const accountHandlers: AreaHandlers<'account.changePassword' | 'account.totpBegin' | 'account.totpEnable' | 'account.totpDisable'> = {
  'account.changePassword': async ({ sys, principal, body, ip }) => {
    const p = must(principal);
    assertRealAccount(p);
    assertNotLocked(p);
    await confirmPassword(sys, p, body.current, ip);
    await sys.store.updateUser(p.user.id, { passwordHash: await hashPassword(body.password) });
    await endOtherSessions(sys, p.user.id, p.sessionId);
    await audit(sys, { type: AUTH_EVENTS.passwordChanged, message: `${p.user.name} changed their password`, actorId: p.user.id });
    return { ok: true };
  },

  'account.totpBegin': async ({ sys, principal }) => {
    const p = must(principal);
    assertRealAccount(p);
    assertNotLocked(p);
    if (p.user.totpSecret !== null) throw new ApiError('conflict', 'TOTP is already on; turn it off first.');
    const t = await newTotpSecret(p.user.name);
    await sys.store.updateUser(p.user.id, { totpPendingSecret: t.secret });
    return t;
  },

  'account.totpEnable': async ({ sys, principal, body }) => {
    const p = must(principal);
    assertRealAccount(p);
    assertNotLocked(p);
    const pending = p.user.totpPendingSecret;
    if (p.user.totpSecret !== null) throw new ApiError('conflict', 'TOTP is already on.');
    if (pending === null) throw new ApiError('conflict', 'Start TOTP enrolment first (account/totp/begin).');
    if (!(await withUserLock(p.user.id, () => useTotpCode(sys, p.user.id, pending, body.code)))) throw new ApiError('bad_mfa_code');
    const { codes, hashes } = newBackupCodes();
    await sys.store.updateUser(p.user.id, { totpSecret: pending, totpPendingSecret: null, backupCodeHashes: hashes });
    await audit(sys, { type: AUTH_EVENTS.totpEnabled, message: `${p.user.name} turned on TOTP`, actorId: p.user.id });
    return { backupCodes: codes };
  },

  'account.totpDisable': async ({ sys, principal, body, ip }) => {
    const p = must(principal);
    assertRealAccount(p);
    assertNotLocked(p);
    await confirmPassword(sys, p, body.password, ip);
    await sys.store.updateUser(p.user.id, { totpSecret: null, totpPendingSecret: null, backupCodeHashes: [] });
    await sys.store.deleteSetting(lastStepKey(p.user.id));
    await audit(sys, { type: AUTH_EVENTS.totpDisabled, message: `${p.user.name} turned off TOTP`, actorId: p.user.id });
    return { ok: true };
  },
};
