import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GROUP_FULL, GROUP_RIGHTS, SITE_RIGHTS } from '@meshwork/protocol';
import { DEVICES_CHANNEL } from '../../bus/channels.js';
import { hashEnrolmentToken } from '../../domain/enrolment/tokens.js';
import { errorCode as code, addDevice, addGroup, addUser, addUserGroup, call, principalOf, settle, testEnrolmentKey, testSystem, type TestSystem } from '../../domain/testkit/system.js';

describe('groups handlers', () => {
  let t: TestSystem;
  before(async () => {
    t = await testSystem();
  });
  after(() => t.close());

  it('create: 96-hex id, the creator gets a full-rights link, an event is recorded', async () => {
    const { sys } = t;
    const alice = await addUser(sys, 'alice');
    const p = principalOf(alice);
    const g = await call(sys, 'groups.create', p, { body: { name: 'Office' } });
    assert.match(g.id, /^[0-9a-f]{96}$/);
    assert.deepEqual(g.myRights, ['full']);
    assert.deepEqual(g.links, [{ subjectId: alice.id, subjectKind: 'user', subjectName: 'alice', rights: ['full'] }]);
    assert.equal(g.description, '');
    const links = await sys.store.listRightsLinksOfGroup(g.id);
    assert.deepEqual(links.map((l) => [l.subjectId, l.rights]), [[alice.id, GROUP_FULL]]);
    const events = await call(sys, 'events.list', p, { query: { groupId: g.id } });
    assert.equal(events[0]?.type, 'group.created');
    assert.equal(events[0]?.message, 'Created device group Office');
    assert.equal(await code(call(sys, 'groups.create', p, { body: { name: 'Office' } })), 'conflict');
  });

  it('create: refused with the noNewGroups site right, allowed to admins regardless', async () => {
    const { sys } = t;
    const barred = await addUser(sys, 'barred', SITE_RIGHTS.noNewGroups);
    assert.equal(await code(call(sys, 'groups.create', principalOf(barred), { body: { name: 'Nope' } })), 'forbidden');
    const admin = await addUser(sys, 'admin1', SITE_RIGHTS.admin | SITE_RIGHTS.noNewGroups);
    assert.equal(await code(call(sys, 'groups.create', principalOf(admin), { body: { name: 'Admin group' } })), 'ok');
  });

  it('list/get: only visible groups, with myRights; links only for managers', async () => {
    const { sys } = t;
    const owner = await addUser(sys, 'owner-l');
    const reader = await addUser(sys, 'reader-l');
    const stranger = await addUser(sys, 'stranger-l');
    const g = await addGroup(sys, 'Listed', [{ subjectId: owner.id, rights: GROUP_FULL }, { subjectId: reader.id, rights: GROUP_RIGHTS.notes }]);
    const [seen] = await call(sys, 'groups.list', principalOf(reader));
    assert.equal(seen?.id, g.id);
    assert.deepEqual(seen?.myRights, ['notes']);
    assert.deepEqual(seen?.links, []);
    assert.deepEqual(await call(sys, 'groups.list', principalOf(stranger)), []);
    assert.equal(await code(call(sys, 'groups.get', principalOf(stranger), { params: { id: g.id } })), 'not_found');
    const full = await call(sys, 'groups.get', principalOf(owner), { params: { id: g.id } });
    assert.deepEqual(full.links.map((l) => l.subjectName).sort(), ['owner-l', 'reader-l']);
  });

  it('update: rename needs editGroup and is recorded with old and new names', async () => {
    const { sys } = t;
    const owner = await addUser(sys, 'owner-u');
    const helper = await addUser(sys, 'helper-u');
    const g = await addGroup(sys, 'Old name', [{ subjectId: owner.id, rights: GROUP_FULL }, { subjectId: helper.id, rights: GROUP_RIGHTS.manageDevices }]);
    assert.equal(await code(call(sys, 'groups.update', principalOf(helper), { params: { id: g.id }, body: { name: 'Hijacked' } })), 'forbidden');
    const r = await call(sys, 'groups.update', principalOf(owner), { params: { id: g.id }, body: { name: 'New name', description: 'second floor' } });
    assert.equal(r.name, 'New name');
    assert.equal(r.description, 'second floor');
    const [e] = await call(sys, 'events.list', principalOf(helper), { query: { groupId: g.id, type: 'group.updated' } });
    assert.equal(e?.message, 'Renamed device group Old name to New name');
  });

  it('setRights/removeRights: subjects must exist; user groups work; no escalation; a manager must remain', async () => {
    const { sys } = t;
    const owner = await addUser(sys, 'owner-r');
    const deputy = await addUser(sys, 'deputy-r');
    const member = await addUser(sys, 'member-r');
    const team = await addUserGroup(sys, 'team-r', [member.id]);
    const g = await addGroup(sys, 'Rights', [{ subjectId: owner.id, rights: GROUP_FULL }]);
    const po = principalOf(owner);

    assert.equal(await code(call(sys, 'groups.setRights', po, { params: { id: g.id, subjectId: 'no-such-subject' }, body: { rights: ['notes'] } })), 'not_found');
    const r1 = await call(sys, 'groups.setRights', po, { params: { id: g.id, subjectId: team }, body: { rights: ['wake', 'notes'] } });
    assert.deepEqual(r1.links.find((l) => l.subjectId === team), { subjectId: team, subjectKind: 'userGroup', subjectName: 'team-r', rights: ['wake', 'notes'] });
    assert.deepEqual((await call(sys, 'groups.get', principalOf(member), { params: { id: g.id } })).myRights, ['wake', 'notes']);
    const [granted] = await call(sys, 'events.list', principalOf(member), { query: { type: 'rights.granted' } });
    assert.match(granted?.message ?? '', /team-r/);

    await call(sys, 'groups.setRights', po, { params: { id: g.id, subjectId: deputy.id }, body: { rights: ['manageUsers', 'notes'] } });
    const pd = principalOf(deputy);
    assert.equal(await code(call(sys, 'groups.setRights', pd, { params: { id: g.id, subjectId: member.id }, body: { rights: ['full'] } })), 'forbidden');
    assert.equal(await code(call(sys, 'groups.setRights', pd, { params: { id: g.id, subjectId: member.id }, body: { rights: ['notes', 'noTerminal'] } })), 'ok');

    assert.equal(await code(call(sys, 'groups.removeRights', pd, { params: { id: g.id, subjectId: owner.id } })), 'ok');
    assert.equal(await code(call(sys, 'groups.removeRights', pd, { params: { id: g.id, subjectId: deputy.id } })), 'conflict', 'the last manager may not leave');
    assert.equal(await code(call(sys, 'groups.setRights', pd, { params: { id: g.id, subjectId: deputy.id }, body: { rights: ['notes'] } })), 'conflict');
    assert.equal(await code(call(sys, 'groups.removeRights', pd, { params: { id: g.id, subjectId: 'unlinked-id' } })), 'not_found');
    const admin = await addUser(sys, 'admin-r', SITE_RIGHTS.admin);
    assert.equal(await code(call(sys, 'groups.removeRights', principalOf(admin), { params: { id: g.id, subjectId: deputy.id } })), 'ok');
    assert.equal(await code(call(sys, 'groups.get', pd, { params: { id: g.id } })), 'not_found');
  });

  it('delete: needs editGroup, cascades devices and links, tells former members and streams', async () => {
    const { sys } = t;
    const owner = await addUser(sys, 'owner-d');
    const member = await addUser(sys, 'member-d');
    const g = await addGroup(sys, 'Doomed', [{ subjectId: owner.id, rights: GROUP_FULL }, { subjectId: member.id, rights: GROUP_RIGHTS.manageDevices }]);
    const d = await addDevice(sys, g.id, 'doomed-device');
    assert.equal(await code(call(sys, 'groups.delete', principalOf(member), { params: { id: g.id } })), 'forbidden');
    const bus: unknown[] = [];
    const unsub = sys.bus.subscribe(DEVICES_CHANNEL, (m) => bus.push(m));
    await call(sys, 'groups.delete', principalOf(owner), { params: { id: g.id } });
    await settle();
    unsub();
    assert.equal(await sys.store.getDeviceGroup(g.id), null);
    assert.equal(await sys.store.getDevice(d.id), null);
    assert.deepEqual(await sys.store.listRightsLinksOfGroup(g.id), []);
    assert.deepEqual(bus, [{ type: 'deviceRemoved', deviceId: d.id, groupId: g.id }]);
    const [e] = await call(sys, 'events.list', principalOf(member), { query: { type: 'group.deleted' } });
    assert.equal(e?.message, 'Deleted device group Doomed and its 1 device(s)');
  });

  it('installFile and enrolment tokens: manageDevices; secret only once, stored hashed', async () => {
    const { sys } = t;
    const owner = await addUser(sys, 'owner-i');
    const reader = await addUser(sys, 'reader-i');
    const g = await addGroup(sys, 'Install', [{ subjectId: owner.id, rights: GROUP_FULL }, { subjectId: reader.id, rights: GROUP_RIGHTS.notes }]);
    const po = principalOf(owner);
    assert.equal(await code(call(sys, 'groups.installFile', principalOf(reader), { params: { id: g.id }, query: {} })), 'forbidden');

    const plain = await call(sys, 'groups.installFile', po, { params: { id: g.id }, query: {} });
    assert.deepEqual(plain, { serverUrls: ['https://meshwork.test:8443'], serverId: sys.identity.serverId, groupId: g.id, groupName: 'Install', enrolmentKey: testEnrolmentKey(g.id) });
    assert.ok(!JSON.stringify(await call(sys, 'groups.get', principalOf(reader), { params: { id: g.id } })).includes('mwk_'), 'viewers never see the key');

    // Rotation: a new key, returned in its install file; removal: tokens only (no plain install file).
    const rotated = await call(sys, 'groups.rotateEnrolmentKey', po, { params: { id: g.id } });
    assert.match(rotated.enrolmentKey ?? '', /^mwk_[0-9a-f]{64}$/);
    assert.notEqual(rotated.enrolmentKey, testEnrolmentKey(g.id));
    assert.equal(await code(call(sys, 'groups.rotateEnrolmentKey', principalOf(reader), { params: { id: g.id } })), 'forbidden');
    assert.equal((await call(sys, 'groups.removeEnrolmentKey', po, { params: { id: g.id } })).tokensOnly, true);
    assert.equal(await code(call(sys, 'groups.installFile', po, { params: { id: g.id }, query: {} })), 'conflict');
    assert.equal((await call(sys, 'groups.rotateEnrolmentKey', po, { params: { id: g.id } })).groupId, g.id);
    await sys.store.setSetting('serverUrls', ['https://mesh.example:443']);
    assert.deepEqual((await call(sys, 'groups.installFile', po, { params: { id: g.id }, query: {} })).serverUrls, ['https://mesh.example:443']);

    const made = await call(sys, 'groups.createEnrolmentToken', po, { params: { id: g.id }, body: { expiresInHours: 2, maxUses: 5 } });
    const secret = made.installFile.enrolmentToken ?? '';
    assert.match(secret, /^mwe_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    assert.equal(made.token.expiresAt, new Date(sys.now() + 2 * 3600_000).toISOString());
    assert.equal(made.token.maxUses, 5);
    const stored = await sys.store.getEnrolmentToken(made.token.id);
    assert.equal(stored?.secretHash, hashEnrolmentToken(secret));
    assert.ok(!JSON.stringify(stored).includes(secret.slice(21)), 'the secret is not stored');
    const again = await call(sys, 'groups.installFile', po, { params: { id: g.id }, query: { tokenId: made.token.id } });
    assert.equal(again.enrolmentToken, undefined, 'the secret is shown only at creation');
    assert.equal(again.enrolmentKey, undefined, "a token's file never carries the group key");
    assert.equal(made.installFile.enrolmentKey, undefined, 'a token file carries nothing else that enrols');
    assert.deepEqual((await call(sys, 'groups.listEnrolmentTokens', po, { params: { id: g.id } })).map((x) => x.id), [made.token.id]);

    const other = await addGroup(sys, 'Other install', [{ subjectId: owner.id, rights: GROUP_FULL }]);
    assert.equal(await code(call(sys, 'groups.revokeEnrolmentToken', po, { params: { id: other.id, tokenId: made.token.id } })), 'not_found');
    assert.equal(await code(call(sys, 'groups.installFile', po, { params: { id: other.id }, query: { tokenId: made.token.id } })), 'not_found');
    await call(sys, 'groups.revokeEnrolmentToken', po, { params: { id: g.id, tokenId: made.token.id } });
    assert.deepEqual(await call(sys, 'groups.listEnrolmentTokens', po, { params: { id: g.id } }), []);
    const types = (await call(sys, 'events.list', po, { query: { groupId: g.id } })).map((e) => e.type);
    assert.deepEqual(types.filter((x) => x.startsWith('enrolmentToken.')).sort(), ['enrolmentToken.created', 'enrolmentToken.revoked']);

    const noDevices = await addUser(sys, 'no-new-devices', SITE_RIGHTS.noNewDevices);
    await sys.store.setRightsLink({ groupId: g.id, subjectId: noDevices.id, subjectKind: 'user', rights: GROUP_FULL });
    assert.equal(await code(call(sys, 'groups.createEnrolmentToken', principalOf(noDevices), { params: { id: g.id }, body: {} })), 'forbidden');
  });
});
