/**
 * Password login: a reserved attempt (throttle.ts), the password (argon2id; a dummy hash for
 * unknown names), then the second factor when TOTP is on. A disabled account is answered exactly
 * like a wrong password — the answer must never tell a guesser that a password is right. Every
 * wrong password or second factor stays counted against the network and the account name.
 */
import type { UserRecord } from '@meshwork/store';
import { ApiError } from '../errors.js';
import type { System } from '../system.js';
import { AUTH_EVENTS, audit } from './audit.js';
import { burnPasswordTime, hashPassword, needsRehash, verifyPassword } from './passwords.js';
import { beginLoginAttempt, type LoginAttempt } from './throttle.js';
import { useBackupCode, useTotpCode } from './totp.js';

export interface LoginInput {
  name: string;
  password: string;
  totp?: string | undefined;
  backupCode?: string | undefined;
}

/** Checks the credentials; returns the user on success, throws a stable ApiError otherwise. */
export async function checkLogin(sys: System, input: LoginInput, ip: string): Promise<UserRecord> {
  const name = input.name.toLowerCase();
  const attempt = await beginLoginAttempt(sys, ip, name);
  const user = await sys.store.getUserByName(name);
  const passwordOk = user ? await verifyPassword(user.passwordHash, input.password) : await burnPasswordTime(input.password).then(() => false);
  if (!user || !passwordOk || user.disabled) {
    const reason = user && passwordOk ? 'account_disabled' : 'bad_credentials'; // for the audit log only
    await attempt.fail(reason, user?.id ?? null, user?.name ?? input.name);
    throw new ApiError('bad_credentials');
  }
  if (user.totpSecret !== null) await checkSecondFactor(sys, attempt, user, user.totpSecret, input);
  await attempt.succeed();
  if (await needsRehash(user.passwordHash)) {
    await sys.store.updateUser(user.id, { passwordHash: await hashPassword(input.password) });
  }
  const now = sys.now();
  await sys.store.updateUser(user.id, { lastLoginAt: now });
  sys.metrics.inc('meshwork_logins_total', { result: 'success' });
  await audit(sys, { type: AUTH_EVENTS.login, message: `${user.name} logged in from ${ip}`, actorId: user.id, data: { ip, method: 'password' }, visibleTo: ['*'] });
  return { ...user, lastLoginAt: now };
}

async function checkSecondFactor(sys: System, attempt: LoginAttempt, user: UserRecord, secret: string, input: LoginInput): Promise<void> {
  if (input.totp === undefined && input.backupCode === undefined) {
    await attempt.release(); // the password was right: asking for the code is not a failure
    sys.metrics.inc('meshwork_logins_total', { result: 'mfa_required' });
    throw new ApiError('mfa_required');
  }
  const ok = input.totp !== undefined ? await useTotpCode(sys, user.id, secret, input.totp) : await useBackupCode(sys, user.id, input.backupCode ?? '');
  if (!ok) {
    await attempt.fail('bad_mfa_code', user.id, user.name);
    throw new ApiError('bad_mfa_code');
  }
}
