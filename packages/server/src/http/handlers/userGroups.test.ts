import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GROUP_RIGHTS, SITE_RIGHTS } from '@meshwork/protocol';
import { errorCode as code, addGroup, addUser, call, principalOf, testSystem, type TestSystem } from '../../domain/testkit/system.js';

describe('userGroups handlers', () => {
  let t: TestSystem;
  before(async () => {
    t = await testSystem();
  });
  after(() => t.close());

  it('need the manageUserGroups site right (or admin)', async () => {
    const { sys } = t;
    const plain = await addUser(sys, 'plain');
    for (const r of [
      call(sys, 'userGroups.list', principalOf(plain)),
      call(sys, 'userGroups.create', principalOf(plain), { body: { name: 'x' } }),
    ]) assert.equal(await code(r), 'forbidden');
    const admin = await addUser(sys, 'admin', SITE_RIGHTS.admin);
    assert.equal(await code(call(sys, 'userGroups.list', principalOf(admin))), 'ok');
  });

  it('create, rename, membership (which grants the group links), delete', async () => {
    const { sys } = t;
    const mgrUser = await addUser(sys, 'ug-manager', SITE_RIGHTS.manageUserGroups);
    const mgr = principalOf(mgrUser);
    const worker = await addUser(sys, 'worker');
    const ug = await call(sys, 'userGroups.create', mgr, { body: { name: 'Helpdesk' } });
    assert.deepEqual({ ...ug, id: '' }, { id: '', name: 'Helpdesk', description: '', memberIds: [] });
    assert.equal(await code(call(sys, 'userGroups.create', mgr, { body: { name: 'helpdesk' } })), 'conflict');

    const g = await addGroup(sys, 'Helpdesk devices', [{ subjectId: ug.id, kind: 'userGroup', rights: GROUP_RIGHTS.remoteControl }]);
    assert.deepEqual(await call(sys, 'groups.list', principalOf(worker)), []);
    // Changing the members needs every right the user group carries (here: remoteControl on g).
    assert.equal(await code(call(sys, 'userGroups.addMember', mgr, { params: { id: ug.id, userId: worker.id } })), 'forbidden');
    await sys.store.setRightsLink({ groupId: g.id, subjectId: mgrUser.id, subjectKind: 'user', rights: GROUP_RIGHTS.remoteControl | GROUP_RIGHTS.chat });
    const withMember = await call(sys, 'userGroups.addMember', mgr, { params: { id: ug.id, userId: worker.id } });
    assert.deepEqual(withMember.memberIds, [worker.id]);
    assert.deepEqual((await call(sys, 'groups.list', principalOf(worker))).map((x) => x.id), [g.id]);
    const [added] = await call(sys, 'events.list', principalOf(worker), { query: { type: 'userGroup.memberAdded' } });
    assert.equal(added?.message, 'Added worker to user group Helpdesk');
    assert.equal(await code(call(sys, 'userGroups.addMember', mgr, { params: { id: ug.id, userId: 'missing-user' } })), 'not_found');

    const renamed = await call(sys, 'userGroups.update', mgr, { params: { id: ug.id }, body: { name: 'Service desk', description: 'tier 1' } });
    assert.equal(renamed.name, 'Service desk');
    assert.equal(renamed.description, 'tier 1');

    await call(sys, 'userGroups.removeMember', mgr, { params: { id: ug.id, userId: worker.id } });
    assert.deepEqual(await call(sys, 'groups.list', principalOf(worker)), []);
    assert.equal(await code(call(sys, 'userGroups.removeMember', mgr, { params: { id: ug.id, userId: worker.id } })), 'not_found');

    await call(sys, 'userGroups.delete', mgr, { params: { id: ug.id } });
    assert.equal(await code(call(sys, 'userGroups.update', mgr, { params: { id: ug.id }, body: { name: 'again' } })), 'not_found');
    assert.deepEqual(await call(sys, 'userGroups.list', mgr), []);
    assert.deepEqual((await sys.store.listRightsLinksOfGroup(g.id)).filter((l) => l.subjectId === ug.id), [], 'deleting a user group removes its links');
  });
});
