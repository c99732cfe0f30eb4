/** User-group records → the wire `UserGroup` (with member ids). */
import type { UserGroup } from '@meshwork/protocol';
import type { Store, UserGroupRecord } from '@meshwork/store';

export async function userGroupView(store: Store, g: UserGroupRecord): Promise<UserGroup> {
  const memberIds = (await store.listUserGroupMembers(g.id)).sort();
  return { id: g.id, name: g.name, description: g.description, memberIds };
}
