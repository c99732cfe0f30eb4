/**
 * Handlers: users. Site admins and holders of the manageUsers site right manage accounts; anyone
 * may read their own. Nobody disables or deletes themselves, the last administrator stays; which
 * users a non-admin manager may change and which site rights it may give: authz/accounts.ts.
 */
import { siteRightsFromNames } from '@meshwork/protocol';
import { StoreError, type UserRecord } from '@meshwork/store';
import { AUTH_EVENTS, audit } from '../../auth/audit.js';
import { hashPassword } from '../../auth/passwords.js';
import { endOtherSessions } from '../../auth/sessions.js';
import { invalidateSetupToken } from '../../auth/setup-token.js';
import { userView } from '../../auth/views.js';
import { assertMayGrantSite, assertNotLastAdmin, canManageUsers, isAdmin, requireManageable } from '../../authz/accounts.js';
import { newRecordId } from '../../domain/ids.js';
import { ApiError, notFound } from '../../errors.js';
import type { Principal, System } from '../../system.js';
import { must, type AreaHandlers } from '../handler.js';

/** The target user if the principal manages users (else not_found: 404 for "not allowed"). */
async function managedUser(sys: System, p: Principal, id: string): Promise<UserRecord> {
  if (!canManageUsers(sys, p)) throw notFound();
  const u = await sys.store.getUser(id);
  if (!u) throw notFound();
  return u;
}

/** The target user, if the principal may change it (forbidden when it outranks the principal). */
async function changeableUser(sys: System, p: Principal, id: string): Promise<UserRecord> {
  const u = await managedUser(sys, p, id);
  await requireManageable(sys, p, u);
  return u;
}

export const usersHandlers: AreaHandlers<'users.list' | 'users.create' | 'users.get' | 'users.update' | 'users.setPassword' | 'users.delete'> = {
  'users.list': async ({ sys, principal }) => {
    const p = must(principal);
    if (!canManageUsers(sys, p)) return [userView(p.user)];
    return (await sys.store.listUsers()).map(userView);
  },

  'users.get': async ({ sys, principal, params }) => {
    const p = must(principal);
    if (params.id === p.user.id && p.via !== 'local') return userView(p.user);
    return userView(await managedUser(sys, p, params.id));
  },

  'users.create': async ({ sys, principal, body }) => {
    const p = must(principal);
    sys.authz.requireSite(p, 'manageUsers');
    const siteRights = siteRightsFromNames(body.siteRights);
    assertMayGrantSite(sys, p, null, siteRights);
    if (await sys.store.getUserByName(body.name)) throw new ApiError('conflict', `A user named ${body.name} exists.`);
    const user: UserRecord = {
      id: newRecordId(), name: body.name, passwordHash: await hashPassword(body.password), siteRights, disabled: false,
      totpSecret: null, totpPendingSecret: null, backupCodeHashes: [], createdAt: sys.now(), lastLoginAt: null,
    };
    try {
      await sys.store.createUser(user);
    } catch (e) {
      if (e instanceof StoreError && e.code === 'conflict') throw new ApiError('conflict', `A user named ${body.name} exists.`);
      throw e;
    }
    await invalidateSetupToken(sys);
    await audit(sys, { type: AUTH_EVENTS.userCreated, message: `${p.user.name} created user ${user.name}`, actorId: p.user.id, data: { userId: user.id, name: user.name, siteRights: body.siteRights }, visibleTo: [user.id, '*'] });
    return userView(user);
  },

  'users.update': async ({ sys, principal, params, body }) => {
    const p = must(principal);
    const target = await changeableUser(sys, p, params.id);
    const patch: Partial<UserRecord> = {};
    if (body.siteRights !== undefined) {
      patch.siteRights = siteRightsFromNames(body.siteRights);
      assertMayGrantSite(sys, p, target, patch.siteRights);
      if (isAdmin(target) && !isAdmin({ ...target, siteRights: patch.siteRights })) await assertNotLastAdmin(sys, target, 'demote');
    }
    if (body.disabled === true && !target.disabled) {
      if (target.id === p.user.id) throw new ApiError('conflict', 'You cannot disable your own account.');
      await assertNotLastAdmin(sys, target, 'disable');
    }
    if (body.disabled !== undefined) patch.disabled = body.disabled;
    if (body.resetTotp) Object.assign(patch, { totpSecret: null, totpPendingSecret: null, backupCodeHashes: [] });
    await sys.store.updateUser(target.id, patch);
    // Resetting the second factor also removes the passkeys: the user lost their devices.
    const passkeysRemoved = body.resetTotp ? await sys.store.deletePasskeysOfUser(target.id) : 0;
    if (body.resetTotp) await sys.store.clearTotpSteps(target.id);
    if (patch.disabled === true) await endOtherSessions(sys, target.id);
    const data = { userId: target.id, ...body, ...(body.resetTotp ? { passkeysRemoved } : {}) };
    await audit(sys, { type: AUTH_EVENTS.userUpdated, message: `${p.user.name} changed user ${target.name}`, actorId: p.user.id, data, visibleTo: [target.id, '*'] });
    const fresh = await sys.store.getUser(target.id);
    if (!fresh) throw notFound();
    return userView(fresh);
  },

  'users.setPassword': async ({ sys, principal, params, body }) => {
    const p = must(principal);
    const target = await changeableUser(sys, p, params.id);
    await sys.store.updateUser(target.id, { passwordHash: await hashPassword(body.password) });
    await endOtherSessions(sys, target.id, target.id === p.user.id ? p.sessionId : undefined);
    await audit(sys, { type: AUTH_EVENTS.userPasswordSet, message: `${p.user.name} set the password of ${target.name}`, actorId: p.user.id, data: { userId: target.id }, visibleTo: [target.id, '*'] });
    return { ok: true };
  },

  'users.delete': async ({ sys, principal, params }) => {
    const p = must(principal);
    const target = await managedUser(sys, p, params.id);
    if (target.id === p.user.id) throw new ApiError('conflict', 'You cannot delete your own account.');
    await requireManageable(sys, p, target);
    await assertNotLastAdmin(sys, target, 'delete');
    if (!(await sys.store.deleteUser(target.id))) throw notFound();
    await sys.store.clearTotpSteps(target.id);
    await audit(sys, { type: AUTH_EVENTS.userDeleted, message: `${p.user.name} deleted user ${target.name}`, actorId: p.user.id, data: { userId: target.id, name: target.name }, visibleTo: ['*'] });
    return { ok: true };
  },
};
