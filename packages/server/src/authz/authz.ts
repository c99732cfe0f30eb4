/**
 * Authorization over the store: resolves a principal's rights from its direct links and its user
 * groups' links, using the one rights definition in @meshwork/protocol.
 *
 * Visibility rule ("404 for not found or not allowed"): a caller who has no link to a device group
 * cannot tell it from a missing one, so every check on an invisible group or device throws
 * `not_found`. A caller who can see the group but lacks the specific capability gets `forbidden`,
 * because the record's existence is already known to them. Site admins see and may do everything.
 */
import type { DeviceRecord, Store } from '@meshwork/store';
import { GROUP_FULL, SITE_RIGHTS, can, type Capability, type SiteRightName } from '@meshwork/protocol';
import { ApiError, notFound } from '../errors.js';
import type { Authz, Principal } from '../system.js';

/** Every group the user has a link to (directly or through its user groups), OR-ing the masks. */
async function linkedMasks(store: Store, userId: string, userGroupIds?: string[]): Promise<Map<string, number>> {
  userGroupIds ??= await store.listUserGroupsOfUser(userId);
  const links = await store.listRightsLinksOfSubjects([userId, ...userGroupIds]);
  const masks = new Map<string, number>();
  for (const l of links) masks.set(l.groupId, ((masks.get(l.groupId) ?? 0) | l.rights) >>> 0);
  for (const [g, m] of masks) if (m === 0) masks.delete(g);
  return masks;
}

export function createAuthz(store: Store): Authz {
  const isSiteAdmin = (p: Principal): boolean => p.via === 'local' || (p.user.siteRights & SITE_RIGHTS.admin) !== 0;

  const groupMask = async (p: Principal, groupId: string): Promise<number> => {
    if (isSiteAdmin(p)) return (await store.getDeviceGroup(groupId)) ? GROUP_FULL : 0;
    return (await linkedMasks(store, p.user.id)).get(groupId) ?? 0;
  };

  const requireGroup = async (p: Principal, groupId: string, cap: Capability): Promise<void> => {
    const mask = await groupMask(p, groupId);
    if (mask === 0) throw notFound();
    if (!can(mask, cap)) throw new ApiError('forbidden');
  };

  return {
    isSiteAdmin,
    requireSite(p: Principal, right: SiteRightName): void {
      if (isSiteAdmin(p)) return;
      if ((p.user.siteRights & SITE_RIGHTS[right]) === 0) throw new ApiError('forbidden');
    },
    groupMask,
    requireGroup,
    async requireDevice(p: Principal, deviceId: string, cap: Capability): Promise<DeviceRecord> {
      const device = await store.getDevice(deviceId);
      if (!device) throw notFound();
      await requireGroup(p, device.groupId, cap);
      return device;
    },
    async visibleGroupIds(p: Principal): Promise<string[] | undefined> {
      if (isSiteAdmin(p)) return undefined;
      return [...(await linkedMasks(store, p.user.id)).keys()].sort();
    },
    async eventAudience(p: Principal): Promise<string[] | undefined> {
      if (isSiteAdmin(p) || (p.user.siteRights & SITE_RIGHTS.allEvents) !== 0) return undefined;
      const userGroupIds = await store.listUserGroupsOfUser(p.user.id);
      const masks = await linkedMasks(store, p.user.id, userGroupIds);
      // A group with `limitedEvents` shows only the caller's own events (those naming its user id).
      const groups = [...masks].filter(([, m]) => can(m, 'allEvents')).map(([g]) => g);
      return [p.user.id, ...userGroupIds, ...groups.sort()];
    },
  };
}
