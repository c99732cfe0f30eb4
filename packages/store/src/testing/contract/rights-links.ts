/** Contract: rights links from a device group to a user or user group. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RightsLinkRecord } from '../../records.js';
import { type ContractContext, storeError } from './context.js';
import { aDeviceGroup, aUser, aUserGroup } from './fixtures.js';

const sorted = (links: RightsLinkRecord[]): RightsLinkRecord[] =>
  [...links].sort((a, b) => (a.groupId + a.subjectId < b.groupId + b.subjectId ? -1 : 1));

export function rightsLinkCases(t: ContractContext): void {
  describe('rights links', () => {
    async function world() {
      const g1 = aDeviceGroup(), g2 = aDeviceGroup(), u = aUser(), ug = aUserGroup();
      await t.store.createDeviceGroup(g1);
      await t.store.createDeviceGroup(g2);
      await t.store.createUser(u);
      await t.store.createUserGroup(ug);
      return { g1, g2, u, ug };
    }

    it('sets, lists by group and by subjects', async () => {
      const { g1, g2, u, ug } = await world();
      const l1: RightsLinkRecord = { groupId: g1.id, subjectId: u.id, subjectKind: 'user', rights: 0xffffffff };
      const l2: RightsLinkRecord = { groupId: g1.id, subjectId: ug.id, subjectKind: 'userGroup', rights: 3 };
      const l3: RightsLinkRecord = { groupId: g2.id, subjectId: ug.id, subjectKind: 'userGroup', rights: 8 };
      for (const l of [l1, l2, l3]) await t.store.setRightsLink(l);
      assert.deepEqual(sorted(await t.store.listRightsLinksOfGroup(g1.id)), sorted([l1, l2]));
      assert.deepEqual(await t.store.listRightsLinksOfGroup(g2.id), [l3]);
      assert.deepEqual(await t.store.listRightsLinksOfGroup('missing'), []);
      assert.deepEqual(sorted(await t.store.listRightsLinksOfSubjects([u.id, ug.id])), sorted([l1, l2, l3]));
      assert.deepEqual(await t.store.listRightsLinksOfSubjects([u.id]), [l1]);
      assert.deepEqual(await t.store.listRightsLinksOfSubjects(['nobody']), []);
      assert.deepEqual(await t.store.listRightsLinksOfSubjects([]), []);
    });

    it('upserts on (groupId, subjectId)', async () => {
      const { g1, u } = await world();
      await t.store.setRightsLink({ groupId: g1.id, subjectId: u.id, subjectKind: 'user', rights: 1 });
      await t.store.setRightsLink({ groupId: g1.id, subjectId: u.id, subjectKind: 'user', rights: 6 });
      assert.deepEqual(await t.store.listRightsLinksOfGroup(g1.id), [
        { groupId: g1.id, subjectId: u.id, subjectKind: 'user', rights: 6 },
      ]);
    });

    it('removes a link once', async () => {
      const { g1, g2, u } = await world();
      await t.store.setRightsLink({ groupId: g1.id, subjectId: u.id, subjectKind: 'user', rights: 1 });
      await t.store.setRightsLink({ groupId: g2.id, subjectId: u.id, subjectKind: 'user', rights: 2 });
      assert.equal(await t.store.removeRightsLink(g1.id, u.id), true);
      assert.equal(await t.store.removeRightsLink(g1.id, u.id), false);
      assert.deepEqual(await t.store.listRightsLinksOfSubjects([u.id]), [
        { groupId: g2.id, subjectId: u.id, subjectKind: 'user', rights: 2 },
      ]);
    });

    it('refuses a link to a missing group or subject with not_found', async () => {
      const { g1, u, ug } = await world();
      await assert.rejects(
        t.store.setRightsLink({ groupId: 'missing', subjectId: u.id, subjectKind: 'user', rights: 1 }), storeError('not_found'));
      await assert.rejects(
        t.store.setRightsLink({ groupId: g1.id, subjectId: 'missing', subjectKind: 'user', rights: 1 }), storeError('not_found'));
      await assert.rejects(
        t.store.setRightsLink({ groupId: g1.id, subjectId: 'missing', subjectKind: 'userGroup', rights: 1 }), storeError('not_found'));
      // the kind must match: a user id is not a user group
      await assert.rejects(
        t.store.setRightsLink({ groupId: g1.id, subjectId: u.id, subjectKind: 'userGroup', rights: 1 }), storeError('not_found'));
      await assert.rejects(
        t.store.setRightsLink({ groupId: g1.id, subjectId: ug.id, subjectKind: 'user', rights: 1 }), storeError('not_found'));
      assert.deepEqual(await t.store.listRightsLinksOfGroup(g1.id), []);
    });
  });
}
