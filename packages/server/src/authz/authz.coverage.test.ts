/**
 * Every `auth: 'user'` endpoint of the API table performs an authorization check (coder's dbauthz
 * idea, applied to handlers). Each endpoint has a probe, run as a user with no rights on the seeded
 * records: it must be refused (`not_found` when the target is invisible, else `not_found` or
 * `forbidden`), or — for list endpoints — return nothing it may not see. A second user who can see
 * the group but holds only `chat` on it must be refused every group/device mutation with
 * `forbidden`. Afterwards the seeded state must be unchanged. A new endpoint without a probe fails
 * to compile (the table is exhaustive) and fails this test.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GROUP_FULL, GROUP_RIGHTS, SITE_RIGHTS, endpoints, type EndpointName, type Endpoints, type ErrorCode } from '@meshwork/protocol';
import type { UserRecord } from '@meshwork/store';
import { ApiError } from '../errors.js';
import {
  addDevice, addGroup, addUser, addUserGroup, call, principalOf, sessionOf, testSystem, type CallInput, type TestSystem,
} from '../domain/testkit/system.js';
import type { System } from '../system.js';

type UserEndpoint = { [N in EndpointName]: Endpoints[N]['auth'] extends 'user' ? N : never }[EndpointName];

interface Fixture {
  owner: UserRecord;
  intruder: UserRecord;
  viewer: UserRecord;
  groupId: string;
  otherGroupId: string;
  deviceId: string;
  userGroupId: string;
  enrolmentTokenId: string;
  apiTokenId: string;
  eventId: string;
  /** A run the owner started (its device is offline, so it finished at once). */
  runId: string;
  /** A passkey of the owner, and a passkey registration the owner started. */
  passkeyId: string;
  passkeyChallengeId: string;
}

type Probe<N extends EndpointName> =
  | {
      input: (f: Fixture) => CallInput<N>;
      /** List endpoints: may succeed, but must not return these ids. */
      hidden?: (f: Fixture) => string[];
      /** The target is a group/device the intruder cannot see: exactly not_found. */
      invisible?: true;
      /** A user who sees the group with `chat` only must get forbidden. */
      viewerForbidden?: true;
      /** The one refusal expected instead (a foreign one-time challenge looks like a used one). */
      refusedWith?: ErrorCode;
    }
  /** Acts only on the caller's own session/account: no foreign id can be named (checked below). */
  | { self: string };

const PUBLIC_ENDPOINTS: readonly EndpointName[] = ['server.info', 'setup.createAdmin', 'auth.login', 'auth.passkeyBegin', 'auth.passkeyFinish',
  // A download link (HMAC, short-lived) or a login; checked in agent-packages.test.ts.
  'agent.download'];

const G = (f: Fixture): { id: string } => ({ id: f.groupId });
const D = (f: Fixture): { id: string } => ({ id: f.deviceId });

const PROBES: { [N in UserEndpoint]: Probe<N> } = {
  'auth.session': { self: 'returns the caller’s own session' },
  'auth.logout': { self: 'ends the caller’s own session' },
  'auth.logoutAll': { self: 'ends the caller’s own sessions' },
  'account.changePassword': { self: 'changes the caller’s own password (current password required)' },
  'account.totpBegin': { self: 'the caller’s own TOTP' },
  'account.totpEnable': { self: 'the caller’s own TOTP' },
  'account.totpDisable': { self: 'the caller’s own TOTP' },
  'account.passkeys': { self: 'lists the caller’s own passkeys' },
  'account.passkeyRegisterBegin': { self: 'registers to the caller’s own account' },
  'account.passkeyRegisterFinish': {
    input: (f) => ({ body: { challengeId: f.passkeyChallengeId, name: 'stolen', response: {} } }), refusedWith: 'passkey_challenge_invalid',
  },
  'account.passkeyDelete': { input: (f) => ({ params: { id: f.passkeyId } }), invisible: true },

  'users.list': { input: () => ({}), hidden: (f) => [f.owner.id, f.viewer.id] },
  'users.create': { input: () => ({ body: { name: 'sneaky', password: 'long-enough-password' } }) },
  'users.get': { input: (f) => ({ params: { id: f.owner.id } }), hidden: (f) => [f.owner.id] },
  'users.update': { input: (f) => ({ params: { id: f.owner.id }, body: { disabled: true } }) },
  'users.setPassword': { input: (f) => ({ params: { id: f.owner.id }, body: { password: 'another-password' } }) },
  'users.delete': { input: (f) => ({ params: { id: f.owner.id } }) },

  'tokens.list': { input: () => ({}), hidden: (f) => [f.apiTokenId] },
  'tokens.create': { input: (f) => ({ body: { name: 'stolen', userId: f.owner.id } }) },
  'tokens.revoke': { input: (f) => ({ params: { id: f.apiTokenId } }) },

  'userGroups.list': { input: () => ({}), hidden: (f) => [f.userGroupId] },
  'userGroups.create': { input: () => ({ body: { name: 'sneaky-team' } }) },
  'userGroups.update': { input: (f) => ({ params: { id: f.userGroupId }, body: { name: 'renamed' } }) },
  'userGroups.delete': { input: (f) => ({ params: { id: f.userGroupId } }) },
  'userGroups.addMember': { input: (f) => ({ params: { id: f.userGroupId, userId: f.intruder.id } }) },
  'userGroups.removeMember': { input: (f) => ({ params: { id: f.userGroupId, userId: f.owner.id } }) },

  'groups.list': { input: () => ({}), hidden: (f) => [f.groupId, f.otherGroupId] },
  // The intruder holds the noNewGroups site right, so creating is its authorization check.
  'groups.create': { input: () => ({ body: { name: 'sneaky-group' } }) },
  'groups.get': { input: (f) => ({ params: G(f) }), invisible: true },
  'groups.update': { input: (f) => ({ params: G(f), body: { name: 'pwned' } }), invisible: true, viewerForbidden: true },
  'groups.delete': { input: (f) => ({ params: G(f) }), invisible: true, viewerForbidden: true },
  'groups.setRights': {
    input: (f) => ({ params: { id: f.groupId, subjectId: f.intruder.id }, body: { rights: ['full'] } }), invisible: true, viewerForbidden: true,
  },
  'groups.removeRights': { input: (f) => ({ params: { id: f.groupId, subjectId: f.owner.id } }), invisible: true, viewerForbidden: true },
  'groups.installFile': { input: (f) => ({ params: G(f), query: {} }), invisible: true, viewerForbidden: true },
  'groups.installCommand': { input: (f) => ({ params: G(f), query: {} }), invisible: true, viewerForbidden: true },
  // Any logged-in user may see which agent versions the server hands out (nothing per group).
  'agent.packages': { input: () => ({}), hidden: () => [] },
  'groups.listEnrolmentTokens': { input: (f) => ({ params: G(f) }), invisible: true, viewerForbidden: true },
  'groups.createEnrolmentToken': { input: (f) => ({ params: G(f), body: {} }), invisible: true, viewerForbidden: true },
  'groups.revokeEnrolmentToken': {
    input: (f) => ({ params: { id: f.groupId, tokenId: f.enrolmentTokenId } }), invisible: true, viewerForbidden: true,
  },

  'devices.list': { input: () => ({ query: {} }), hidden: (f) => [f.deviceId] },
  'devices.listHead': { input: () => ({ query: {} }), hidden: (f) => [f.deviceId] },
  'devices.get': { input: (f) => ({ params: D(f) }), invisible: true },
  'devices.update': { input: (f) => ({ params: D(f), body: { name: 'pwned', groupId: f.otherGroupId } }), invisible: true, viewerForbidden: true },
  'devices.inventory': { input: (f) => ({ params: D(f) }), invisible: true, viewerForbidden: true },
  'devices.software': { input: (f) => ({ params: D(f) }), invisible: true, viewerForbidden: true },
  'devices.timeline': { input: (f) => ({ params: D(f), query: {} }), invisible: true },
  'devices.delete': { input: (f) => ({ params: D(f) }), invisible: true, viewerForbidden: true },
  'groups.rotateEnrolmentKey': { input: (f) => ({ params: G(f) }), invisible: true, viewerForbidden: true },
  'groups.removeEnrolmentKey': { input: (f) => ({ params: G(f) }), invisible: true, viewerForbidden: true },
  'devices.listRevoked': { input: () => ({}), refusedWith: 'forbidden' },
  'devices.liftRevocation': { input: (f) => ({ params: D(f) }), refusedWith: 'forbidden' },
  'devices.openSession': { input: (f) => ({ params: D(f), body: { protocol: 'terminal' } }), invisible: true, viewerForbidden: true },

  'events.list': { input: () => ({ query: {} }), hidden: (f) => [f.eventId] },

  'runs.create': { input: (f) => ({ body: { deviceIds: [f.deviceId], command: ['true'] } }), invisible: true, viewerForbidden: true },
  'runs.get': { input: (f) => ({ params: { id: f.runId } }), invisible: true },
  'devices.power': { input: (f) => ({ params: D(f), body: { action: 'reboot' } }), invisible: true, viewerForbidden: true },
  'devices.wake': { input: (f) => ({ params: D(f) }), invisible: true, viewerForbidden: true },
  'agentUpdates.list': { input: () => ({ query: {} }), hidden: (f) => [f.deviceId] },
  'devices.retryAgentUpdate': { input: (f) => ({ params: D(f) }), invisible: true, viewerForbidden: true },
};

async function outcome(p: Promise<unknown>): Promise<{ code: string; result?: unknown }> {
  try {
    return { code: 'ok', result: await p };
  } catch (e) {
    if (e instanceof ApiError) return { code: e.code };
    throw e;
  }
}

async function snapshot(sys: System, f: Fixture): Promise<unknown> {
  const s = sys.store;
  return {
    users: (await s.listUsers()).map((u) => [u.id, u.name, u.siteRights, u.disabled, u.passwordHash]).sort(),
    userGroups: await Promise.all((await s.listUserGroups()).map(async (g) => [g.id, g.name, (await s.listUserGroupMembers(g.id)).sort()])),
    groups: (await s.listDeviceGroups()).map((g) => [g.id, g.name, g.description]).sort(),
    links: (await s.listRightsLinksOfGroup(f.groupId)).map((l) => [l.subjectId, l.rights]).sort(),
    device: await s.getDevice(f.deviceId),
    enrolment: (await s.listEnrolmentTokens(f.groupId)).map((t) => t.id).sort(),
    apiTokens: (await s.listApiTokens()).map((t) => t.id).sort(),
    passkeys: (await s.listPasskeysOfUser(f.owner.id)).map((p) => p.id),
  };
}

describe('authorization coverage of the API table', () => {
  let t: TestSystem;
  let f: Fixture;
  before(async () => {
    t = await testSystem();
    const { sys } = t;
    const owner = await addUser(sys, 'owner');
    const intruder = await addUser(sys, 'intruder', SITE_RIGHTS.noNewGroups | SITE_RIGHTS.noNewDevices);
    const viewer = await addUser(sys, 'viewer');
    const userGroupId = await addUserGroup(sys, 'owners', [owner.id]);
    const group = await addGroup(sys, 'seeded', [
      { subjectId: owner.id, rights: GROUP_FULL },
      { subjectId: userGroupId, kind: 'userGroup', rights: GROUP_RIGHTS.manageDevices },
      { subjectId: viewer.id, rights: GROUP_RIGHTS.chat },
    ]);
    const other = await addGroup(sys, 'seeded-other', [{ subjectId: owner.id, rights: GROUP_FULL }, { subjectId: viewer.id, rights: GROUP_RIGHTS.chat }]);
    const device = await addDevice(sys, group.id, 'seeded-device');
    await sys.store.createEnrolmentToken({
      id: '0123456789abcdef', groupId: group.id, secretHash: 'a'.repeat(64), createdAt: sys.now(), createdBy: owner.id, expiresAt: null, maxUses: null, uses: 0,
    });
    await sys.store.createApiToken({ id: 'ownertoken0001', userId: owner.id, name: 'ci', secretHash: 'b'.repeat(64), createdAt: sys.now(), expiresAt: null, lastUsedAt: null });
    const event = await sys.events.emit({ type: 'device.updated', message: 'seeded', actorId: owner.id, deviceId: device.id, groupId: group.id });
    const run = await call(sys, 'runs.create', principalOf(owner), { body: { deviceIds: [device.id], command: ['true'] } });
    await sys.store.createPasskey({
      id: 'ownerpasskey01', userId: owner.id, credentialId: 'b3duZXItY3JlZGVudGlhbA', publicKey: new Uint8Array([1, 2, 3]), counter: 0,
      transports: [], name: 'owner laptop', createdAt: sys.now(), lastUsedAt: null,
    });
    await sys.store.createAuthChallenge({ id: 'ownerchallenge01', purpose: 'register', userId: owner.id, challenge: 'c2VlZGVk', expiresAt: sys.now() + 60_000 });
    f = {
      owner, intruder, viewer, groupId: group.id, otherGroupId: other.id, deviceId: device.id, userGroupId,
      enrolmentTokenId: '0123456789abcdef', apiTokenId: 'ownertoken0001', eventId: event.id, runId: run.runId,
      passkeyId: 'ownerpasskey01', passkeyChallengeId: 'ownerchallenge01',
    };
  });
  after(() => t.close());

  it('has a probe for every auth:user endpoint and knows every public one', () => {
    for (const name of Object.keys(endpoints) as EndpointName[]) {
      if (endpoints[name].auth === 'user') assert.ok(name in PROBES, `no authorization probe for ${name}`);
      else assert.ok(PUBLIC_ENDPOINTS.includes(name), `${name} is public (auth: 'none'): add it to PUBLIC_ENDPOINTS if that is intended`);
    }
  });

  it('self-scoped endpoints take no foreign id', () => {
    for (const [name, probe] of Object.entries(PROBES) as Array<[UserEndpoint, Probe<UserEndpoint>]>) {
      if (!('self' in probe)) continue;
      const def = endpoints[name];
      assert.ok(!('params' in def), `${name} takes path params, so it needs a real probe`);
      const body = 'body' in def ? (def.body as { shape?: Record<string, unknown> }).shape ?? {} : {};
      for (const key of Object.keys(body)) assert.ok(!/id$/i.test(key), `${name} takes ${key}, so it needs a real probe`);
    }
  });

  it('refuses or filters every probe for a user without rights, and for a chat-only viewer', async () => {
    const { sys } = t;
    const before = await snapshot(sys, f);
    const failures: string[] = [];
    for (const [name, probe] of Object.entries(PROBES) as Array<[UserEndpoint, Probe<UserEndpoint>]>) {
      if ('self' in probe) continue;
      const input = probe.input(f);
      // A fresh login session: the strongest credential (a token is refused earlier for credential changes).
      const r = await outcome(call(sys, name, sessionOf(sys, f.intruder), input));
      if (r.code === 'ok') {
        const text = JSON.stringify(r.result);
        const leaked = probe.hidden?.(f).filter((id) => text.includes(id)) ?? null;
        if (leaked === null) failures.push(`${name}: succeeded for a user without rights`);
        else if (leaked.length > 0) failures.push(`${name}: leaked ${leaked.join(', ')}`);
      } else {
        const expected: string[] = probe.refusedWith ? [probe.refusedWith] : probe.invisible ? ['not_found'] : ['not_found', 'forbidden'];
        if (!expected.includes(r.code)) failures.push(`${name}: answered ${r.code}, expected ${expected.join(' or ')}`);
      }
      if (probe.viewerForbidden) {
        const v = await outcome(call(sys, name, sessionOf(sys, f.viewer), input));
        if (v.code !== 'forbidden') failures.push(`${name}: chat-only viewer got ${v.code}, expected forbidden`);
      }
    }
    assert.deepEqual(failures, []);
    assert.deepEqual(await snapshot(sys, f), before, 'a refused call changed the store');
  });
});
