/**
 * Rules for changing rights links, kept apart from the handlers so they read as a list:
 * 1. A non-admin may grant only rights it holds itself (restriction bits such as noTerminal are
 *    always allowed: they take power away).
 * 2. A non-admin may not leave a group without any link carrying `manageUsers`; a site admin may.
 */
import { GROUP_FULL, GROUP_RIGHTS } from '@meshwork/protocol';
import type { RightsLinkRecord } from '@meshwork/store';
import { ApiError } from '../../errors.js';

const RESTRICTIONS =
  GROUP_RIGHTS.noTerminal | GROUP_RIGHTS.noFiles | GROUP_RIGHTS.noDesktop |
  GROUP_RIGHTS.viewOnlyDesktop | GROUP_RIGHTS.limitedInput | GROUP_RIGHTS.limitedEvents;

export function assertMayGrant(granterMask: number, mask: number): void {
  if (granterMask >>> 0 === GROUP_FULL) return;
  if ((mask & ~granterMask & ~RESTRICTIONS) >>> 0 !== 0) {
    throw new ApiError('forbidden', 'You can only grant rights you hold on this group.');
  }
}

/** `links` is the group's links as they would be after the change. */
export function assertKeepsManager(links: readonly RightsLinkRecord[]): void {
  if (!links.some((l) => (l.rights & GROUP_RIGHTS.manageUsers) !== 0)) {
    throw new ApiError('conflict', 'A device group must keep at least one link with the "Manage device group users" right.');
  }
}
