/**
 * Authorization over the store: resolves a principal's rights from its direct links and its user
 * groups' links, using the one rights definition in @meshwork/protocol. Every rights decision of
 * the server lives in this folder (a lint, scripts/lint-rights.mjs, keeps rights-bit arithmetic
 * here): this file resolves and checks capabilities; site.ts, accounts.ts, user-groups.ts,
 * links.ts and runs.ts hold the rules of their areas; masks.ts the arithmetic they share.
 *
 * A principal's rights are resolved once per principal object (one HTTP request; one credential
 * check of a long-lived socket, which re-authenticates to a fresh object) and memoised.
 *
 * Visibility rule ("404 for not found or not allowed"): a caller who has no link to a device group
 * cannot tell it from a missing one, so every check on an invisible group or device throws
 * `not_found`. A caller who can see the group but lacks the specific capability gets `forbidden`,
 * because the record's existence is already known to them. Site admins see and may do everything.
 */
import type { DeviceGroupRecord, DeviceRecord, Store, UserRecord } from '@meshwork/store';
import { GROUP_FULL, can, type Capability, type SiteRightName } from '@meshwork/protocol';
import { ApiError, notFound } from '../errors.js';
import type { Authz, Principal } from '../system.js';
import { hasSiteRight } from './masks.js';
import { resolveRights, type PrincipalRights } from './principal.js';
import { runOutputAudience } from './runs.js';

export function createAuthz(store: Store): Authz {
  const resolved = new WeakMap<Principal, PrincipalRights>();
  const forPrincipal = (p: Principal): PrincipalRights => {
    let r = resolved.get(p);
    if (!r) resolved.set(p, (r = resolveRights(store, p.user, p.via === 'local')));
    return r;
  };
  const isSiteAdmin = (p: Principal): boolean => forPrincipal(p).admin;

  const groupMask = async (p: Principal, groupId: string): Promise<number> => {
    const r = forPrincipal(p);
    if (r.admin) return (await store.getDeviceGroup(groupId)) ? GROUP_FULL : 0;
    return (await r.linkedMasks()).get(groupId) ?? 0;
  };

  const requireGroup = async (p: Principal, groupId: string, cap: Capability): Promise<void> => {
    const mask = await groupMask(p, groupId);
    if (mask === 0) throw notFound();
    if (!can(mask, cap)) throw new ApiError('forbidden');
  };

  return {
    forPrincipal,
    forUser: (u: UserRecord): PrincipalRights => resolveRights(store, u),
    forget: (p: Principal): void => void resolved.delete(p),
    isSiteAdmin,
    requireSite(p: Principal, right: SiteRightName): void {
      const r = forPrincipal(p);
      if (!r.admin && !hasSiteRight(r.siteRights, right)) throw new ApiError('forbidden');
    },
    groupMask,
    async listedGroupMask(p: Principal, group: DeviceGroupRecord): Promise<number> {
      const r = forPrincipal(p);
      return r.admin ? GROUP_FULL : (await r.linkedMasks()).get(group.id) ?? 0;
    },
    requireGroup,
    async requireDevice(p: Principal, deviceId: string, cap: Capability): Promise<DeviceRecord> {
      const device = await store.getDevice(deviceId);
      if (!device) throw notFound();
      await requireGroup(p, device.groupId, cap);
      return device;
    },
    async visibleGroupIds(p: Principal): Promise<string[] | undefined> {
      const r = forPrincipal(p);
      if (r.admin) return undefined;
      return [...(await r.linkedMasks()).keys()].sort();
    },
    async eventAudience(p: Principal): Promise<string[] | undefined> {
      const r = forPrincipal(p);
      if (r.admin) return undefined;
      const masks = [...(await r.linkedMasks())];
      // A group with `limitedEvents` shows only the caller's own events (those naming its user id).
      const groups = masks.filter(([, m]) => can(m, 'allEvents')).map(([g]) => g).sort();
      // Command output (run.result) only to those who may run commands there (see runs.ts).
      const runs = masks.filter(([, m]) => can(m, 'allEvents') && can(m, 'runCommands')).map(([g]) => runOutputAudience(g)).sort();
      // The allEvents site right: every event marked for site-wide audit ('*'), which is every
      // event except those restricted to a narrower audience (command output).
      const all = hasSiteRight(r.siteRights, 'allEvents') ? ['*'] : [];
      return [...all, p.user.id, ...(await r.userGroupIds()), ...groups, ...runs];
    },
  };
}
