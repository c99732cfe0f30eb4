/**
 * Rights over accounts: who may manage which user, and which site rights may be given.
 *
 * Rule: a non-admin user manager (the manageUsers site right) acts only on users whose rights are
 * within its own — their site rights, and on every device group their effective mask (direct and
 * through user groups) — so it can never take over an account more powerful than itself (by
 * setting its password, resetting its second factor, disabling or deleting it). It gives only
 * site rights it holds, never admin, never edits its own site rights, and cannot lift a
 * restriction (locked, noNewGroups, noNewDevices): that needs an administrator. A locked manager
 * changes nothing about its own account here either. Only administrators change administrators.
 */
import type { UserRecord } from '@meshwork/store';
import { ApiError } from '../errors.js';
import type { Principal, System } from '../system.js';
import { assertNotLocked } from './site.js';
import { groupMaskWithin, hasSiteRight, liftedSiteRestrictions, siteRightsWithin } from './masks.js';

type Sys = Pick<System, 'authz' | 'store'>;

export const isAdmin = (u: UserRecord): boolean => hasSiteRight(u.siteRights, 'admin');

/** Whether the principal may manage user accounts (site admin or the manageUsers site right). */
export function canManageUsers(sys: Pick<System, 'authz'>, p: Principal): boolean {
  const r = sys.authz.forPrincipal(p);
  return r.admin || hasSiteRight(r.siteRights, 'manageUsers');
}

/** Throws forbidden unless `p` may change `target` (see the rule above). */
export async function requireManageable(sys: Sys, p: Principal, target: UserRecord): Promise<void> {
  const mine = sys.authz.forPrincipal(p);
  if (mine.admin) return;
  if (isAdmin(target)) throw new ApiError('forbidden', 'Only an administrator can change an administrator.');
  if (target.id === p.user.id) return assertNotLocked(p);
  const outranks = new ApiError('forbidden', 'You can manage only users whose rights are within your own.');
  if (!siteRightsWithin(target.siteRights, mine.siteRights)) throw outranks;
  const myMasks = await mine.linkedMasks();
  for (const [groupId, mask] of await sys.authz.forUser(target).linkedMasks()) {
    if (!groupMaskWithin(mask, myMasks.get(groupId) ?? 0)) throw outranks;
  }
}

/**
 * Site rights `next` that `p` may give to `target` (null: a new user), whose rights were
 * `target.siteRights`. Admins give anything; see the rule above for the others.
 */
export function assertMayGrantSite(sys: Pick<System, 'authz'>, p: Principal, target: UserRecord | null, next: number): void {
  const mine = sys.authz.forPrincipal(p);
  if (mine.admin) return;
  const before = target?.siteRights ?? 0;
  if (next === before && target) return;
  if (target?.id === p.user.id) throw new ApiError('forbidden', 'You cannot change your own site rights.');
  if (hasSiteRight(next, 'admin')) throw new ApiError('forbidden', 'Only an administrator can grant admin.');
  if (target && liftedSiteRestrictions(before, next) !== 0) throw new ApiError('forbidden', 'Only an administrator can lift a restriction.');
  if (!siteRightsWithin(next, mine.siteRights)) {
    throw new ApiError('forbidden', 'You can grant only site rights you hold, and the users you manage keep your restrictions.');
  }
}

/** Own-account operations need a real account, not the CLI's local administrator. */
export function assertRealAccount(p: Principal): void {
  if (p.via === 'local') throw new ApiError('bad_request', 'Not available to the local administrator; act on a user instead.');
}

/** Throws conflict when `target` is the last enabled administrator. */
export async function assertNotLastAdmin(sys: Pick<System, 'store'>, target: UserRecord, what: string): Promise<void> {
  if (!isAdmin(target) || target.disabled) return;
  const others = (await sys.store.listUsers()).filter((u) => u.id !== target.id && isAdmin(u) && !u.disabled);
  if (others.length === 0) throw new ApiError('conflict', `Cannot ${what} the last administrator.`);
}
