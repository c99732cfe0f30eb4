/**
 * Rights over user groups. Every action needs the manageUserGroups site right. A user group
 * carries the rights of its links on device groups, so changing its membership (adding anyone,
 * oneself included, or removing anyone) needs, for a non-admin, every right the user group carries:
 * on each device group the user group is linked to, the link's mask must be within the actor's.
 * Taking users out (removing a member, deleting the group) also lifts the restrictions the links
 * carry, which needs a holder not bound by them (masks.ts, mayLiftGroupRestrictions).
 */
import { ApiError } from '../errors.js';
import type { Principal, System } from '../system.js';
import { groupMaskWithin, groupRestrictions, mayLiftGroupRestrictions } from './masks.js';

/** `removing`: members leave (removeMember, delete), so the links' restrictions are lifted for them. */
export async function requireMayChangeMembers(
  sys: Pick<System, 'authz' | 'store'>, p: Principal, userGroupId: string, removing: boolean,
): Promise<void> {
  sys.authz.requireSite(p, 'manageUserGroups');
  const mine = sys.authz.forPrincipal(p);
  if (mine.admin) return;
  const myMasks = await mine.linkedMasks();
  for (const link of await sys.store.listRightsLinksOfSubjects([userGroupId])) {
    const my = myMasks.get(link.groupId) ?? 0;
    if (!groupMaskWithin(link.rights, my) || (removing && !mayLiftGroupRestrictions(groupRestrictions(link.rights), my))) {
      throw new ApiError('forbidden', 'You can change the members of a user group only when you hold every right it carries.');
    }
  }
}
