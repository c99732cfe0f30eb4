/** Rights in the browser: the same `can()` the server uses, applied to the caller's rights on a group. */
import { can, groupRightsFromNames, type Capability, type DeviceGroup } from '@meshwork/protocol';

/** Whether the caller may do `cap` on devices of this group (false when the group is unknown). */
export function groupCan(group: DeviceGroup | undefined, cap: Capability): boolean {
  if (!group) return false;
  return can(groupRightsFromNames(group.myRights), cap);
}
