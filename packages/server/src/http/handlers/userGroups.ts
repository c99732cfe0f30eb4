/**
 * Handlers: user groups. Every action needs the `manageUserGroups` site right (site admins have
 * it implicitly); changing the members also every right the user group carries
 * (authz/user-groups.ts). Membership changes alter rights, so each emits an event the streams react to.
 */
import type { Store, UserGroupRecord } from '@meshwork/store';
import { requireMayChangeMembers } from '../../authz/user-groups.js';
import { ApiError, notFound } from '../../errors.js';
import { EVENT_TYPES } from '../../domain/events/types.js';
import { newRecordId } from '../../domain/ids.js';
import { userGroupView } from '../../domain/userGroups/view.js';
import { must, type AreaHandlers } from '../handler.js';

async function getOr404(store: Store, id: string): Promise<UserGroupRecord> {
  const g = await store.getUserGroup(id);
  if (!g) throw notFound();
  return g;
}

async function assertNameFree(store: Store, name: string, exceptId?: string): Promise<void> {
  const lower = name.toLowerCase();
  const clash = (await store.listUserGroups()).find((g) => g.name.toLowerCase() === lower && g.id !== exceptId);
  if (clash) throw new ApiError('conflict', `A user group named "${name}" already exists.`);
}

export const userGroupsHandlers: AreaHandlers<'userGroups.list' | 'userGroups.create' | 'userGroups.update' | 'userGroups.delete' | 'userGroups.addMember' | 'userGroups.removeMember'> = {
  async 'userGroups.list'({ sys, principal }) {
    sys.authz.requireSite(must(principal), 'manageUserGroups');
    const groups = (await sys.store.listUserGroups()).sort((a, b) => a.name.localeCompare(b.name));
    return Promise.all(groups.map((g) => userGroupView(sys.store, g)));
  },

  async 'userGroups.create'({ sys, principal, body }) {
    const p = must(principal);
    sys.authz.requireSite(p, 'manageUserGroups');
    await assertNameFree(sys.store, body.name);
    const g: UserGroupRecord = { id: newRecordId(), name: body.name, description: body.description, createdAt: sys.now() };
    await sys.store.createUserGroup(g);
    await sys.events.emit({ type: EVENT_TYPES.userGroupCreated, message: `Created user group ${g.name}`, actorId: p.user.id, data: { userGroupId: g.id } });
    return userGroupView(sys.store, g);
  },

  async 'userGroups.update'({ sys, principal, params, body }) {
    const p = must(principal);
    sys.authz.requireSite(p, 'manageUserGroups');
    const before = await getOr404(sys.store, params.id);
    if (body.name !== undefined) await assertNameFree(sys.store, body.name, before.id);
    const patch = { ...(body.name !== undefined ? { name: body.name } : {}), ...(body.description !== undefined ? { description: body.description } : {}) };
    if (Object.keys(patch).length > 0) {
      if (!(await sys.store.updateUserGroup(before.id, patch))) throw notFound();
      const what = body.name !== undefined && body.name !== before.name ? `Renamed user group ${before.name} to ${body.name}` : `Updated user group ${before.name}`;
      await sys.events.emit({ type: EVENT_TYPES.userGroupUpdated, message: what, actorId: p.user.id, visibleTo: [before.id], data: { userGroupId: before.id } });
    }
    return userGroupView(sys.store, await getOr404(sys.store, before.id));
  },

  async 'userGroups.delete'({ sys, principal, params }) {
    const p = must(principal);
    sys.authz.requireSite(p, 'manageUserGroups');
    const g = await getOr404(sys.store, params.id);
    await requireMayChangeMembers(sys, p, g.id, true);
    const members = await sys.store.listUserGroupMembers(g.id);
    if (!(await sys.store.deleteUserGroup(g.id))) throw notFound();
    await sys.events.emit({ type: EVENT_TYPES.userGroupDeleted, message: `Deleted user group ${g.name}`, actorId: p.user.id, visibleTo: members, data: { userGroupId: g.id } });
    return { ok: true as const };
  },

  async 'userGroups.addMember'({ sys, principal, params }) {
    const p = must(principal);
    sys.authz.requireSite(p, 'manageUserGroups');
    const g = await getOr404(sys.store, params.id);
    await requireMayChangeMembers(sys, p, g.id, false);
    const user = await sys.store.getUser(params.userId);
    if (!user) throw notFound();
    const members = await sys.store.listUserGroupMembers(g.id);
    if (!members.includes(user.id)) {
      await sys.store.addUserGroupMember(g.id, user.id);
      await sys.events.emit({
        type: EVENT_TYPES.userGroupMemberAdded, message: `Added ${user.name} to user group ${g.name}`, actorId: p.user.id,
        visibleTo: [user.id, g.id], data: { userGroupId: g.id, userId: user.id },
      });
    }
    return userGroupView(sys.store, g);
  },

  async 'userGroups.removeMember'({ sys, principal, params }) {
    const p = must(principal);
    sys.authz.requireSite(p, 'manageUserGroups');
    const g = await getOr404(sys.store, params.id);
    await requireMayChangeMembers(sys, p, g.id, true);
    const user = await sys.store.getUser(params.userId);
    if (!user || !(await sys.store.removeUserGroupMember(g.id, user.id))) throw notFound();
    await sys.events.emit({
      type: EVENT_TYPES.userGroupMemberRemoved, message: `Removed ${user.name} from user group ${g.name}`, actorId: p.user.id,
      visibleTo: [user.id, g.id], data: { userGroupId: g.id, userId: user.id },
    });
    return userGroupView(sys.store, g);
  },
};
