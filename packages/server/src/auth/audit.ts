/** Account and login events, emitted through the event service. A failure to record is logged, never fatal. */
import type { NewEvent, System } from '../system.js';

/** Event types of this area. Part of the API (`events.list?type=`): never renamed. */
export const AUTH_EVENTS = {
  login: 'auth.login',
  loginFailed: 'auth.loginFailed',
  lockout: 'auth.lockout',
  accountDelayed: 'auth.accountDelayed',
  logout: 'auth.logout',
  passwordChanged: 'account.passwordChanged',
  totpEnabled: 'account.totpEnabled',
  totpDisabled: 'account.totpDisabled',
  userCreated: 'user.created',
  userUpdated: 'user.updated',
  userDeleted: 'user.deleted',
  userPasswordSet: 'user.passwordSet',
  tokenCreated: 'token.created',
  tokenRevoked: 'token.revoked',
  passkeyRegistered: 'account.passkeyRegistered',
  passkeyDeleted: 'account.passkeyDeleted',
} as const;

export async function audit(sys: System, e: NewEvent): Promise<void> {
  try {
    await sys.events.emit(e);
  } catch (err) {
    sys.log.error({ err, type: e.type }, 'event not recorded');
  }
}
