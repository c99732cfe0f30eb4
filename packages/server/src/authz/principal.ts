/**
 * A principal's rights, resolved once: its site rights, whether it is a site administrator, its
 * user groups and its effective mask on every device group it is linked to (direct links OR-ed
 * with its user groups' links). Lazy and memoised: a request that asks twice reads the store once.
 */
import type { Store, UserRecord } from '@meshwork/store';
import { hasSiteRight, orMasks } from './masks.js';

export interface PrincipalRights {
  readonly userId: string;
  /** Site administrator (or the CLI's local administrator): every right on everything. */
  readonly admin: boolean;
  readonly siteRights: number;
  userGroupIds(): Promise<readonly string[]>;
  /** Effective mask per linked device group (groups without any bit are left out). */
  linkedMasks(): Promise<ReadonlyMap<string, number>>;
}

export function resolveRights(store: Store, user: UserRecord, local = false): PrincipalRights {
  let groups: Promise<readonly string[]> | undefined;
  let masks: Promise<ReadonlyMap<string, number>> | undefined;
  const userGroupIds = (): Promise<readonly string[]> => (groups ??= store.listUserGroupsOfUser(user.id));
  return {
    userId: user.id,
    admin: local || hasSiteRight(user.siteRights, 'admin'),
    siteRights: user.siteRights,
    userGroupIds,
    linkedMasks: () =>
      (masks ??= (async () => {
        const links = await store.listRightsLinksOfSubjects([user.id, ...(await userGroupIds())]);
        const out = new Map<string, number>();
        for (const l of links) out.set(l.groupId, orMasks(out.get(l.groupId) ?? 0, l.rights));
        for (const [g, m] of out) if (m === 0) out.delete(g);
        return out;
      })()),
  };
}
