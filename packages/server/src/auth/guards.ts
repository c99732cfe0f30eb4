/** Account-area permission checks shared by the users, tokens and account handlers. */
import { SITE_RIGHTS } from '@meshwork/protocol';
import type { UserRecord } from '@meshwork/store';
import { ApiError } from '../errors.js';
import type { Principal, System } from '../system.js';

/** Whether the principal may manage user accounts (site admin or the manageUsers site right). */
export function canManageUsers(sys: System, p: Principal): boolean {
  try {
    sys.authz.requireSite(p, 'manageUsers');
    return true;
  } catch {
    return false;
  }
}

/**
 * Site rights `p` may give: admins anything; user managers only rights they hold themselves,
 * never admin. Throws forbidden otherwise.
 */
export function assertMayGrant(sys: System, p: Principal, mask: number): void {
  if (sys.authz.isSiteAdmin(p)) return;
  if ((mask & SITE_RIGHTS.admin) !== 0) throw new ApiError('forbidden', 'Only an administrator can grant admin.');
  if ((mask & ~p.user.siteRights) !== 0) throw new ApiError('forbidden', 'You can grant only site rights you hold.');
}

/** Non-admin user managers cannot change administrators. */
export function assertMayChange(sys: System, p: Principal, target: UserRecord): void {
  if (isAdmin(target) && !sys.authz.isSiteAdmin(p)) throw new ApiError('forbidden', 'Only an administrator can change an administrator.');
}

/** A `locked` account may log in but change nothing about itself. */
export function assertNotLocked(p: Principal): void {
  if ((p.user.siteRights & SITE_RIGHTS.locked) !== 0) throw new ApiError('forbidden', 'This account is locked.');
}

/** Own-account operations need a real account, not the CLI's local administrator. */
export function assertRealAccount(p: Principal): void {
  if (p.via === 'local') throw new ApiError('bad_request', 'Not available to the local administrator; act on a user instead.');
}

export const isAdmin = (u: UserRecord): boolean => (u.siteRights & SITE_RIGHTS.admin) !== 0;

/** Throws conflict when `target` is the last enabled administrator. */
export async function assertNotLastAdmin(sys: System, target: UserRecord, what: string): Promise<void> {
  if (!isAdmin(target) || target.disabled) return;
  const others = (await sys.store.listUsers()).filter((u) => u.id !== target.id && isAdmin(u) && !u.disabled);
  if (others.length === 0) throw new ApiError('conflict', `Cannot ${what} the last administrator.`);
}
