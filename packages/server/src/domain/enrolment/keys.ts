/**
 * Group enrolment keys: `mwk_` + 64 hex (32 random bytes). A group has at most one; it enrols new
 * devices into that group and is shown only to holders of `manageDevices` (install files). The
 * group id is a plain identifier and enrols nothing. Rotating replaces the key (install files made
 * before stop enrolling new devices; enrolled devices are known by their own key and stay);
 * removing it leaves the group "tokens only". Stored as is, so that managers can fetch the install
 * file again; a store dump is the server's root of trust anyway (design.md §8).
 */
import { randomBytes } from 'node:crypto';
import type { System } from '../../system.js';

export const newEnrolmentKey = (): string => `mwk_${randomBytes(32).toString('hex')}`;

/** Gives the group a fresh key (replacing any) and returns it. */
export async function rotateEnrolmentKey(sys: Pick<System, 'store' | 'now'>, groupId: string): Promise<string> {
  const key = newEnrolmentKey();
  await sys.store.setGroupEnrolmentKey(groupId, key, sys.now());
  return key;
}
