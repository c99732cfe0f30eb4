/** Device-group records → the wire `DeviceGroup`: the caller's rights, and links for its managers. */
import { can, groupRightsToNames, type DeviceGroup, type RightsLink } from '@meshwork/protocol';
import type { DeviceGroupRecord, RightsLinkRecord, Store } from '@meshwork/store';
import { iso } from '../ids.js';

/** Names of the subjects of some links (users and user groups), looked up once per call. */
async function subjectNames(store: Store, links: RightsLinkRecord[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  if (links.some((l) => l.subjectKind === 'userGroup')) {
    for (const g of await store.listUserGroups()) names.set(g.id, g.name);
  }
  for (const l of links) {
    if (l.subjectKind !== 'user' || names.has(l.subjectId)) continue;
    const u = await store.getUser(l.subjectId);
    if (u) names.set(u.id, u.name);
  }
  return names;
}

export async function linkViews(store: Store, links: RightsLinkRecord[]): Promise<RightsLink[]> {
  const names = await subjectNames(store, links);
  return links
    .map((l) => ({
      subjectId: l.subjectId,
      subjectKind: l.subjectKind,
      subjectName: names.get(l.subjectId) ?? '',
      rights: groupRightsToNames(l.rights),
    }))
    .sort((a, b) => a.subjectKind.localeCompare(b.subjectKind) || a.subjectName.localeCompare(b.subjectName));
}

/** `mask` is the caller's effective mask on the group; links are listed only to its managers. */
export async function groupView(store: Store, g: DeviceGroupRecord, mask: number): Promise<DeviceGroup> {
  const links = can(mask, 'manageUsers') ? await linkViews(store, await store.listRightsLinksOfGroup(g.id)) : [];
  return {
    id: g.id,
    name: g.name,
    description: g.description,
    createdAt: iso(g.createdAt),
    myRights: groupRightsToNames(mask),
    links,
    tokensOnly: (await store.getGroupEnrolmentKey(g.id)) === null,
    agentUpdates: await store.getAgentUpdatePolicy(g.id),
  };
}
