/** Contract: user groups and their members. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type ContractContext, storeError } from './context.js';
import { aUser, aUserGroup } from './fixtures.js';

export function userGroupCases(t: ContractContext): void {
  describe('user groups', () => {
    it('creates, gets and lists by name', async () => {
      assert.deepEqual(await t.store.listUserGroups(), []);
      const b = aUserGroup({ name: 'beta', description: 'second' }), a = aUserGroup({ name: 'alpha' });
      await t.store.createUserGroup(b);
      await t.store.createUserGroup(a);
      assert.deepEqual(await t.store.getUserGroup(b.id), b);
      assert.equal(await t.store.getUserGroup('missing'), null);
      assert.deepEqual(await t.store.listUserGroups(), [a, b]);
    });

    it('refuses a duplicate id with conflict', async () => {
      const g = aUserGroup();
      await t.store.createUserGroup(g);
      await assert.rejects(t.store.createUserGroup(aUserGroup({ id: g.id })), storeError('conflict'));
      assert.deepEqual(await t.store.listUserGroups(), [g]);
    });

    it('updates name and description; false when missing', async () => {
      const g = aUserGroup();
      await t.store.createUserGroup(g);
      assert.equal(await t.store.updateUserGroup(g.id, { description: 'ops' }), true);
      assert.deepEqual(await t.store.getUserGroup(g.id), { ...g, description: 'ops' });
      assert.equal(await t.store.updateUserGroup(g.id, { name: 'renamed' }), true);
      assert.deepEqual(await t.store.getUserGroup(g.id), { ...g, description: 'ops', name: 'renamed' });
      assert.equal(await t.store.updateUserGroup('missing', { name: 'x' }), false);
    });

    it('deletes a group once', async () => {
      const g = aUserGroup();
      await t.store.createUserGroup(g);
      assert.equal(await t.store.deleteUserGroup(g.id), true);
      assert.equal(await t.store.getUserGroup(g.id), null);
      assert.equal(await t.store.deleteUserGroup(g.id), false);
    });

    it('adds, lists and removes members', async () => {
      const g1 = aUserGroup(), g2 = aUserGroup(), u1 = aUser(), u2 = aUser();
      for (const g of [g1, g2]) await t.store.createUserGroup(g);
      for (const u of [u1, u2]) await t.store.createUser(u);
      await t.store.addUserGroupMember(g1.id, u1.id);
      await t.store.addUserGroupMember(g1.id, u2.id);
      await t.store.addUserGroupMember(g2.id, u1.id);
      await t.store.addUserGroupMember(g2.id, u1.id); // idempotent
      assert.deepEqual((await t.store.listUserGroupMembers(g1.id)).sort(), [u1.id, u2.id].sort());
      assert.deepEqual(await t.store.listUserGroupMembers(g2.id), [u1.id]);
      assert.deepEqual((await t.store.listUserGroupsOfUser(u1.id)).sort(), [g1.id, g2.id].sort());
      assert.deepEqual(await t.store.listUserGroupsOfUser(u2.id), [g1.id]);
      assert.equal(await t.store.removeUserGroupMember(g1.id, u1.id), true);
      assert.equal(await t.store.removeUserGroupMember(g1.id, u1.id), false);
      assert.deepEqual(await t.store.listUserGroupMembers(g1.id), [u2.id]);
      assert.deepEqual(await t.store.listUserGroupsOfUser(u1.id), [g2.id]);
      assert.deepEqual(await t.store.listUserGroupMembers('missing'), []);
      assert.deepEqual(await t.store.listUserGroupsOfUser('missing'), []);
    });

    it('refuses members of a missing group or missing users with not_found', async () => {
      const g = aUserGroup(), u = aUser();
      await t.store.createUserGroup(g);
      await t.store.createUser(u);
      await assert.rejects(t.store.addUserGroupMember('missing', u.id), storeError('not_found'));
      await assert.rejects(t.store.addUserGroupMember(g.id, 'missing'), storeError('not_found'));
      assert.deepEqual(await t.store.listUserGroupMembers(g.id), []);
      assert.deepEqual(await t.store.listUserGroupsOfUser(u.id), []);
    });
  });
}
