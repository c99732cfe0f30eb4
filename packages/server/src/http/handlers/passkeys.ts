/** Handlers: passkeys (WebAuthn) — registration on the own account and passwordless login. */
import { ApiError } from '../../errors.js';
import type { AreaHandlers } from '../handler.js';

type Names = 'auth.passkeyBegin' | 'auth.passkeyFinish' | 'account.passkeys' | 'account.passkeyRegisterBegin' | 'account.passkeyRegisterFinish' | 'account.passkeyDelete';

const notYet = (): never => {
  throw new ApiError('unavailable', 'Passkeys are not available yet.');
};

export const passkeysHandlers: AreaHandlers<Names> = {
  'auth.passkeyBegin': async () => notYet(),
  'auth.passkeyFinish': async () => notYet(),
  'account.passkeys': async () => notYet(),
  'account.passkeyRegisterBegin': async () => notYet(),
  'account.passkeyRegisterFinish': async () => notYet(),
  'account.passkeyDelete': async () => notYet(),
};
