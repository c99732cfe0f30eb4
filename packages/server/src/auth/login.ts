/**
 * Password login: throttle check, password (argon2id; dummy hash for unknown names), disabled
 * accounts, then the second factor when TOTP is on. Every wrong password or second factor counts
 * as a failure of the client's network.
 */
import type { UserRecord } from '@meshwork/store';
import { ApiError } from '../errors.js';
import type { System } from '../system.js';
import { AUTH_EVENTS, audit } from './audit.js';
import { burnPasswordTime, hashPassword, needsRehash, verifyPassword } from './passwords.js';
import { assertNotLockedOut, recordLoginFailure } from './throttle.js';
import { useBackupCode, useTotpCode, withUserLock } from './totp.js';

export interface LoginInput {
  name: string;
  password: string;
  totp?: string | undefined;
  backupCode?: string | undefined;
}

/** Checks the credentials; returns the user on success, throws a stable ApiError otherwise. */
export async function checkLogin(sys: System, input: LoginInput, ip: string): Promise<UserRecord> {
  await assertNotLockedOut(sys, ip);
  const name = input.name.toLowerCase();
  const user = await sys.store.getUserByName(name);
  if (!user) {
    await burnPasswordTime(input.password);
    await recordLoginFailure(sys, ip, 'bad_credentials', null, input.name);
    throw new ApiError('bad_credentials');
  }
  if (!(await verifyPassword(user.passwordHash, input.password))) {
    await recordLoginFailure(sys, ip, 'bad_credentials', user.id, name);
    throw new ApiError('bad_credentials');
  }
  if (user.disabled) {
    sys.metrics.inc('meshwork_logins_total', { result: 'disabled' });
    throw new ApiError('account_disabled');
  }
  if (user.totpSecret !== null) await checkSecondFactor(sys, user, user.totpSecret, input, ip);
  if (await needsRehash(user.passwordHash)) {
    await sys.store.updateUser(user.id, { passwordHash: await hashPassword(input.password) });
  }
  const now = sys.now();
  await sys.store.updateUser(user.id, { lastLoginAt: now });
  sys.metrics.inc('meshwork_logins_total', { result: 'success' });
  await audit(sys, { type: AUTH_EVENTS.login, message: `${user.name} logged in from ${ip}`, actorId: user.id, data: { ip, method: 'password' }, visibleTo: ['*'] });
  return { ...user, lastLoginAt: now };
}

async function checkSecondFactor(sys: System, user: UserRecord, secret: string, input: LoginInput, ip: string): Promise<void> {
  if (input.totp === undefined && input.backupCode === undefined) {
    sys.metrics.inc('meshwork_logins_total', { result: 'mfa_required' });
    throw new ApiError('mfa_required');
  }
  const ok = await withUserLock(user.id, async () =>
    input.totp !== undefined ? useTotpCode(sys, user.id, secret, input.totp) : useBackupCode(sys, user, input.backupCode ?? ''),
  );
  if (!ok) {
    await recordLoginFailure(sys, ip, 'bad_mfa_code', user.id, user.name);
    throw new ApiError('bad_mfa_code');
  }
}
