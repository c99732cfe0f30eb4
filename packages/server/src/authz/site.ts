/**
 * Site-wide restrictions of an account (site rights that take power away), checked by handlers
 * that act for the principal itself. Site administrators are never restricted.
 */
import { ApiError } from '../errors.js';
import type { Principal, System } from '../system.js';
import { hasSiteRight } from './masks.js';

/** A `locked` account may log in but change nothing about itself. */
export function assertNotLocked(p: Principal): void {
  if (hasSiteRight(p.user.siteRights, 'locked')) throw new ApiError('forbidden', 'This account is locked.');
}

/** Site right `noNewGroups` bars a non-admin from creating device groups. */
export function requireMayCreateGroups(sys: Pick<System, 'authz'>, p: Principal): void {
  const r = sys.authz.forPrincipal(p);
  if (!r.admin && hasSiteRight(r.siteRights, 'noNewGroups')) throw new ApiError('forbidden');
}

/** Site right `noNewDevices` bars a non-admin from handing out ways to enrol devices. */
export function requireMayEnrol(sys: Pick<System, 'authz'>, p: Principal): void {
  const r = sys.authz.forPrincipal(p);
  if (!r.admin && hasSiteRight(r.siteRights, 'noNewDevices')) throw new ApiError('forbidden');
}

/** Device revocations (removed devices allowed back, or listed) are for site administrators only. */
export function requireRevocationManager(sys: Pick<System, 'authz'>, p: Principal): void {
  if (!sys.authz.forPrincipal(p).admin) throw new ApiError('forbidden', 'Only site administrators manage removed devices.');
}
