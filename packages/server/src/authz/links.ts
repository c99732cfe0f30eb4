/**
 * Rules for changing the rights links of a device group (groups.setRights / removeRights), beyond
 * the `manageUsers` capability on the group that both need:
 * 1. A non-admin may set a link only to a mask within its own mask on the group: no right it lacks,
 *    and no lifting of a restriction it is bound by (e.g. `remoteControl` without its `noTerminal`).
 *    Lowering or removing anyone's link takes power away and stays allowed (as in MeshCentral),
 *    except where that lifts a restriction (the link's noTerminal …): links are OR-ed, so dropping a
 *    restriction frees whatever `remoteControl` the subject holds elsewhere. Only a holder not bound
 *    by that restriction may lift it (masks.ts, mayLiftGroupRestrictions).
 * 2. A non-admin may not leave a group without any link carrying `manageUsers`; a site admin may.
 */
import type { RightsLinkRecord } from '@meshwork/store';
import { ApiError } from '../errors.js';
import type { Principal, System } from '../system.js';
import { groupMaskWithin, groupRestrictions, linkManagesGroup, mayLiftGroupRestrictions } from './masks.js';

/**
 * `current`/`next` are the subject's link mask before/after the change (undefined: none);
 * `linksAfter` the group's links after it.
 */
export async function assertMayChangeLink(
  sys: Pick<System, 'authz'>, p: Principal, groupId: string,
  change: { current: number | undefined; next: number | undefined; linksAfter: readonly RightsLinkRecord[] },
): Promise<void> {
  if (sys.authz.isSiteAdmin(p)) return;
  const mine = await sys.authz.groupMask(p, groupId);
  if (change.next !== undefined && !groupMaskWithin(change.next, mine)) {
    throw new ApiError('forbidden', 'You can only grant rights you hold on this group (and keep your restrictions).');
  }
  const lifted = groupRestrictions(change.current ?? 0) & ~groupRestrictions(change.next ?? 0);
  if (!mayLiftGroupRestrictions(lifted, mine)) {
    throw new ApiError('forbidden', 'Only someone not bound by a restriction (or an administrator) can lift it.');
  }
  if (!change.linksAfter.some((l) => linkManagesGroup(l.rights))) {
    throw new ApiError('conflict', 'A device group must keep at least one link with the "Manage device group users" right.');
  }
}
