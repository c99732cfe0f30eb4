/**
 * The one-time setup token: created at a start that finds no users, stored only as SHA-256 in the
 * setting `setupTokenHash`, consumed by the first `POST /api/v1/setup`, and invalidated whenever a
 * user is created by any other path (e.g. `meshwork user add --data D`).
 */
import type { System } from '../system.js';
import { newSecret, safeEqual, sha256Hex } from './secrets.js';

export const SETUP_TOKEN_SETTING = 'setupTokenHash';

/** Creates a new setup token (replacing any earlier one) and returns it; only its hash is stored. */
export async function createSetupToken(sys: System): Promise<string> {
  const token = newSecret();
  await sys.store.setSetting(SETUP_TOKEN_SETTING, sha256Hex(token));
  return token;
}

/** Consumes the token: true exactly once for the right token (a concurrent second caller gets false). */
export async function consumeSetupToken(sys: System, token: string): Promise<boolean> {
  const hash = await sys.store.getSetting<string>(SETUP_TOKEN_SETTING);
  if (typeof hash !== 'string' || !safeEqual(hash, sha256Hex(token))) return false;
  return sys.store.deleteSetting(SETUP_TOKEN_SETTING);
}

export async function invalidateSetupToken(sys: System): Promise<void> {
  await sys.store.deleteSetting(SETUP_TOKEN_SETTING);
}
