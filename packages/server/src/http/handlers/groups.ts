/**
 * Handlers: device groups, their rights links, install files and enrolment tokens.
 * Visibility and capabilities come from sys.authz only: invisible groups are `not_found`,
 * visible groups without the needed right are `forbidden` (see authz/authz.ts).
 */
import { GROUP_FULL, groupRightsFromNames, groupRightsToNames } from '@meshwork/protocol';
import type { DeviceGroupRecord, EnrolmentTokenRecord, RightsLinkRecord, Store } from '@meshwork/store';
import { assertMayChangeLink } from '../../authz/links.js';
import { requireMayCreateGroups, requireMayEnrol } from '../../authz/site.js';
import { DEVICES_CHANNEL, type DeviceBusMessage } from '../../bus/channels.js';
import { ApiError, notFound } from '../../errors.js';
import { EVENT_TYPES } from '../../domain/events/types.js';
import { groupView } from '../../domain/groups/view.js';
import { setGroupPolicy } from '../../domain/updates/service.js';
import { newGroupId } from '../../domain/ids.js';
import { publishDeviceGone } from '../../domain/agents/removal.js';
import { groupInstallFile, installFile } from '../../domain/enrolment/install-file.js';
import { tokenInstallCommand } from '../../agent-packages/group-command.js';
import { rotateEnrolmentKey } from '../../domain/enrolment/keys.js';
import { enrolmentTokenView, newEnrolmentToken } from '../../domain/enrolment/tokens.js';
import type { Principal, System } from '../../system.js';
import { must, type AreaHandlers } from '../handler.js';

async function loadGroup(store: Store, id: string): Promise<DeviceGroupRecord> {
  const g = await store.getDeviceGroup(id);
  if (!g) throw notFound();
  return g;
}

async function assertNameFree(store: Store, name: string, exceptId?: string): Promise<void> {
  const clash = await store.getDeviceGroupByName(name);
  if (clash && clash.id !== exceptId) throw new ApiError('conflict', `A device group named "${name}" already exists.`);
}

/** The user or user group a link would name; not_found if neither exists. */
async function loadSubject(store: Store, id: string): Promise<{ kind: RightsLinkRecord['subjectKind']; name: string }> {
  const user = await store.getUser(id);
  if (user) return { kind: 'user', name: user.name };
  const ug = await store.getUserGroup(id);
  if (ug) return { kind: 'userGroup', name: ug.name };
  throw notFound();
}

/** The principal's user id when it exists in the store (the local CLI administrator may not). */
const storedActor = (p: Principal): string | null => (p.via === 'local' ? null : p.user.id);

export const groupsHandlers: AreaHandlers<'groups.list' | 'groups.create' | 'groups.get' | 'groups.update' | 'groups.delete' | 'groups.setRights' | 'groups.removeRights' | 'groups.installFile' | 'groups.listEnrolmentTokens' | 'groups.createEnrolmentToken' | 'groups.revokeEnrolmentToken'> = {
  async 'groups.list'({ sys, principal }) {
    const p = must(principal);
    const ids = await sys.authz.visibleGroupIds(p);
    if (ids !== undefined && ids.length === 0) return [];
    const groups = (await sys.store.listDeviceGroups(ids)).sort((a, b) => a.name.localeCompare(b.name));
    return Promise.all(groups.map(async (g) => groupView(sys.store, g, await sys.authz.listedGroupMask(p, g))));
  },

  async 'groups.create'({ sys, principal, body }) {
    const p = must(principal);
    requireMayCreateGroups(sys, p);
    await assertNameFree(sys.store, body.name);
    const g: DeviceGroupRecord = { id: newGroupId(), name: body.name, description: body.description, createdAt: sys.now() };
    await sys.store.createDeviceGroup(g);
    await rotateEnrolmentKey(sys, g.id);
    const creator = storedActor(p);
    if (creator) await sys.store.setRightsLink({ groupId: g.id, subjectId: creator, subjectKind: 'user', rights: GROUP_FULL });
    sys.authz.forget(p);
    await sys.events.emit({ type: EVENT_TYPES.groupCreated, message: `Created device group ${g.name}`, actorId: p.user.id, groupId: g.id });
    return groupView(sys.store, g, await sys.authz.groupMask(p, g.id));
  },

  async 'groups.get'({ sys, principal, params }) {
    const p = must(principal);
    await sys.authz.requireGroup(p, params.id, 'view');
    return groupView(sys.store, await loadGroup(sys.store, params.id), await sys.authz.groupMask(p, params.id));
  },

  async 'groups.update'({ sys, principal, params, body }) {
    const p = must(principal);
    await sys.authz.requireGroup(p, params.id, 'editGroup');
    const before = await loadGroup(sys.store, params.id);
    if (body.name !== undefined && body.name !== before.name) await assertNameFree(sys.store, body.name, before.id);
    const patch = { ...(body.name !== undefined ? { name: body.name } : {}), ...(body.description !== undefined ? { description: body.description } : {}) };
    if (body.agentUpdates !== undefined && (await setGroupPolicy(sys, before.id, body.agentUpdates))) {
      await sys.events.emit({
        type: EVENT_TYPES.groupUpdated, message: `Agents of device group ${before.name} update: ${body.agentUpdates}`,
        actorId: p.user.id, groupId: before.id, data: { agentUpdates: body.agentUpdates },
      });
    }
    if (Object.keys(patch).length > 0) {
      if (!(await sys.store.updateDeviceGroup(before.id, patch))) throw notFound();
      const renamed = body.name !== undefined && body.name !== before.name;
      await sys.events.emit({
        type: EVENT_TYPES.groupUpdated,
        message: renamed ? `Renamed device group ${before.name} to ${body.name}` : `Updated device group ${before.name}`,
        actorId: p.user.id, groupId: before.id, data: renamed ? { oldName: before.name, name: body.name } : {},
      });
    }
    return groupView(sys.store, await loadGroup(sys.store, before.id), await sys.authz.groupMask(p, before.id));
  },

  async 'groups.delete'({ sys, principal, params }) {
    const p = must(principal);
    await sys.authz.requireGroup(p, params.id, 'editGroup');
    const g = await loadGroup(sys.store, params.id);
    const links = await sys.store.listRightsLinksOfGroup(g.id);
    const devices = await sys.store.listDevices({ groupIds: [g.id] });
    if (!(await sys.store.deleteDeviceGroup(g.id))) throw notFound();
    for (const d of devices) {
      const m: DeviceBusMessage = { type: 'deviceRemoved', deviceId: d.id, groupId: g.id };
      await sys.bus.publish(DEVICES_CHANNEL, m);
      await publishDeviceGone(sys, d.id, false);
    }
    // The group's id no longer grants visibility to anyone, so name the former link holders.
    await sys.events.emit({
      type: EVENT_TYPES.groupDeleted, message: `Deleted device group ${g.name} and its ${devices.length} device(s)`,
      actorId: p.user.id, groupId: g.id, visibleTo: links.map((l) => l.subjectId), data: { name: g.name, devices: devices.length },
    });
    return { ok: true as const };
  },

  async 'groups.setRights'({ sys, principal, params, body }) {
    const p = must(principal);
    await sys.authz.requireGroup(p, params.id, 'manageUsers');
    const g = await loadGroup(sys.store, params.id);
    const subject = await loadSubject(sys.store, params.subjectId);
    const mask = groupRightsFromNames(body.rights);
    const link: RightsLinkRecord = { groupId: g.id, subjectId: params.subjectId, subjectKind: subject.kind, rights: mask };
    const links = await sys.store.listRightsLinksOfGroup(g.id);
    const current = links.find((l) => l.subjectId === link.subjectId)?.rights;
    await assertMayChangeLink(sys, p, g.id, { current, next: mask, linksAfter: [...links.filter((l) => l.subjectId !== link.subjectId), link] });
    await sys.store.setRightsLink(link);
    sys.authz.forget(p);
    const names = groupRightsToNames(mask).join(', ');
    await sys.events.emit({
      type: EVENT_TYPES.rightsGranted, message: `Set rights of ${subject.name} on device group ${g.name} to ${names}`,
      actorId: p.user.id, groupId: g.id, visibleTo: [link.subjectId],
      data: { subjectId: link.subjectId, subjectKind: subject.kind, rights: groupRightsToNames(mask) },
    });
    return groupView(sys.store, g, await sys.authz.groupMask(p, g.id));
  },

  async 'groups.removeRights'({ sys, principal, params }) {
    const p = must(principal);
    await sys.authz.requireGroup(p, params.id, 'manageUsers');
    const g = await loadGroup(sys.store, params.id);
    const links = await sys.store.listRightsLinksOfGroup(g.id);
    const link = links.find((l) => l.subjectId === params.subjectId);
    if (!link) throw notFound();
    await assertMayChangeLink(sys, p, g.id, { current: link.rights, next: undefined, linksAfter: links.filter((l) => l !== link) });
    if (!(await sys.store.removeRightsLink(g.id, link.subjectId))) throw notFound();
    sys.authz.forget(p);
    const subject = await loadSubject(sys.store, link.subjectId).catch(() => ({ name: link.subjectId }));
    await sys.events.emit({
      type: EVENT_TYPES.rightsRevoked, message: `Removed the rights of ${subject.name} on device group ${g.name}`,
      actorId: p.user.id, groupId: g.id, visibleTo: [link.subjectId], data: { subjectId: link.subjectId, subjectKind: link.subjectKind },
    });
    return groupView(sys.store, g, await sys.authz.groupMask(p, g.id));
  },

  async 'groups.installFile'({ sys, principal, params, query }) {
    const p = must(principal);
    await sys.authz.requireGroup(p, params.id, 'manageDevices');
    requireMayEnrol(sys, p);
    return groupInstallFile(sys, await loadGroup(sys.store, params.id), query.tokenId);
  },

  async 'groups.listEnrolmentTokens'({ sys, principal, params }) {
    await sys.authz.requireGroup(must(principal), params.id, 'manageDevices');
    const tokens = await sys.store.listEnrolmentTokens(params.id);
    return tokens.sort((a, b) => b.createdAt - a.createdAt).map(enrolmentTokenView);
  },

  async 'groups.createEnrolmentToken'({ sys, principal, params, body }) {
    const p = must(principal);
    await sys.authz.requireGroup(p, params.id, 'manageDevices');
    requireMayEnrol(sys, p);
    const g = await loadGroup(sys.store, params.id);
    const fresh = newEnrolmentToken();
    const now = sys.now();
    const record: EnrolmentTokenRecord = {
      id: fresh.id, groupId: g.id, secretHash: fresh.secretHash, createdAt: now, createdBy: storedActor(p),
      expiresAt: body.expiresInHours !== undefined ? now + body.expiresInHours * 3600_000 : null,
      maxUses: body.maxUses ?? null, uses: 0,
    };
    await sys.store.createEnrolmentToken(record);
    const limits = [body.expiresInHours !== undefined ? `valid ${body.expiresInHours} h` : null, body.maxUses !== undefined ? `${body.maxUses} use(s)` : null].filter(Boolean);
    await sys.events.emit({
      type: EVENT_TYPES.enrolmentTokenCreated,
      message: `Created an enrolment token for device group ${g.name}${limits.length ? ` (${limits.join(', ')})` : ''}`,
      actorId: p.user.id, groupId: g.id, data: { tokenId: record.id },
    });
    const file = await installFile(sys, g, { enrolmentToken: fresh.token });
    return { token: enrolmentTokenView(record), installFile: file, ...(await tokenInstallCommand(sys, file)) };
  },

  async 'groups.revokeEnrolmentToken'({ sys, principal, params }) {
    const p = must(principal);
    await sys.authz.requireGroup(p, params.id, 'manageDevices');
    const g = await loadGroup(sys.store, params.id);
    const t = await sys.store.getEnrolmentToken(params.tokenId);
    if (!t || t.groupId !== g.id || !(await sys.store.deleteEnrolmentToken(t.id))) throw notFound();
    await sys.events.emit({
      type: EVENT_TYPES.enrolmentTokenRevoked, message: `Revoked an enrolment token of device group ${g.name}`,
      actorId: p.user.id, groupId: g.id, data: { tokenId: t.id },
    });
    return { ok: true as const };
  },
};
