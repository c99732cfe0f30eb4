/** Contract: what deleting a device group, a user or a user group takes with it (see store.ts). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ContractContext } from './context.js';
import {
  aDevice, aDeviceGroup, anApiToken, anEnrolmentToken, anEvent, aSession, aTimelineEntry, aUser, aUserGroup,
} from './fixtures.js';

export function cascadeCases(t: ContractContext): void {
  describe('cascading deletes', () => {
    it('a device group takes its devices, rights links, enrolment tokens and timelines — not events', async () => {
      const gone = aDeviceGroup(), kept = aDeviceGroup(), u = aUser();
      await t.store.createDeviceGroup(gone);
      await t.store.createDeviceGroup(kept);
      await t.store.createUser(u);
      const d = aDevice(gone.id), dk = aDevice(kept.id);
      await t.store.upsertDevice(d);
      await t.store.upsertDevice(dk);
      for (const g of [gone, kept]) {
        await t.store.setRightsLink({ groupId: g.id, subjectId: u.id, subjectKind: 'user', rights: 1 });
      }
      const tok = anEnrolmentToken(gone.id), tokKept = anEnrolmentToken(kept.id);
      await t.store.createEnrolmentToken(tok);
      await t.store.createEnrolmentToken(tokKept);
      await t.store.addTimeline(aTimelineEntry(d.id));
      await t.store.addTimeline(aTimelineEntry(dk.id));
      const ev = anEvent({ groupId: gone.id, deviceId: d.id, visibleTo: [gone.id] });
      await t.store.addEvent(ev);

      assert.equal(await t.store.deleteDeviceGroup(gone.id), true);
      assert.equal(await t.store.getDevice(d.id), null);
      assert.deepEqual(await t.store.listDevices(), [dk]);
      assert.deepEqual(await t.store.listRightsLinksOfGroup(gone.id), []);
      assert.deepEqual(await t.store.listRightsLinksOfSubjects([u.id]), [
        { groupId: kept.id, subjectId: u.id, subjectKind: 'user', rights: 1 },
      ]);
      assert.equal(await t.store.getEnrolmentToken(tok.id), null);
      assert.equal(await t.store.getEnrolmentTokenBySecretHash(tok.secretHash), null);
      assert.deepEqual(await t.store.listEnrolmentTokens(kept.id), [tokKept]);
      assert.deepEqual(await t.store.listTimeline(d.id, 0), []);
      assert.equal((await t.store.listTimeline(dk.id, 0)).length, 1);
      assert.deepEqual(await t.store.listEvents({ limit: 10, visibleTo: [gone.id] }), [ev]);
      assert.deepEqual(await t.store.getUser(u.id), u);
      // the id is free again
      await t.store.createDeviceGroup(gone);
      assert.deepEqual(await t.store.listDevices({ groupIds: [gone.id] }), []);
    });

    it('a user takes its sessions, API tokens, rights links and memberships', async () => {
      const gone = aUser(), kept = aUser(), g = aDeviceGroup(), ug = aUserGroup();
      await t.store.createUser(gone);
      await t.store.createUser(kept);
      await t.store.createDeviceGroup(g);
      await t.store.createUserGroup(ug);
      const s = aSession(gone.id), sk = aSession(kept.id);
      const tok = anApiToken(gone.id), tokKept = anApiToken(kept.id);
      for (const x of [s, sk]) await t.store.createSession(x);
      for (const x of [tok, tokKept]) await t.store.createApiToken(x);
      for (const u of [gone, kept]) {
        await t.store.setRightsLink({ groupId: g.id, subjectId: u.id, subjectKind: 'user', rights: 2 });
        await t.store.addUserGroupMember(ug.id, u.id);
      }
      await t.store.setRightsLink({ groupId: g.id, subjectId: ug.id, subjectKind: 'userGroup', rights: 4 });

      assert.equal(await t.store.deleteUser(gone.id), true);
      assert.equal(await t.store.getSession(s.id), null);
      assert.deepEqual(await t.store.getSession(sk.id), sk);
      assert.equal(await t.store.getApiToken(tok.id), null);
      assert.equal(await t.store.getApiTokenBySecretHash(tok.secretHash), null);
      assert.deepEqual(await t.store.listApiTokens(), [tokKept]);
      assert.deepEqual(await t.store.listRightsLinksOfSubjects([gone.id]), []);
      assert.equal((await t.store.listRightsLinksOfGroup(g.id)).length, 2);
      assert.deepEqual(await t.store.listUserGroupMembers(ug.id), [kept.id]);
      assert.deepEqual(await t.store.listUserGroupsOfUser(gone.id), []);
      assert.deepEqual(await t.store.getUserGroup(ug.id), ug);
      // the name is free again
      await t.store.createUser(aUser({ name: gone.name }));
    });

    it('a user group takes its rights links and memberships, not the users', async () => {
      const gone = aUserGroup(), kept = aUserGroup(), u = aUser(), g = aDeviceGroup();
      await t.store.createUserGroup(gone);
      await t.store.createUserGroup(kept);
      await t.store.createUser(u);
      await t.store.createDeviceGroup(g);
      for (const ug of [gone, kept]) {
        await t.store.addUserGroupMember(ug.id, u.id);
        await t.store.setRightsLink({ groupId: g.id, subjectId: ug.id, subjectKind: 'userGroup', rights: 1 });
      }

      assert.equal(await t.store.deleteUserGroup(gone.id), true);
      assert.deepEqual(await t.store.listUserGroupMembers(gone.id), []);
      assert.deepEqual(await t.store.listUserGroupsOfUser(u.id), [kept.id]);
      assert.deepEqual(await t.store.listRightsLinksOfSubjects([gone.id]), []);
      assert.deepEqual(await t.store.listRightsLinksOfGroup(g.id), [
        { groupId: g.id, subjectId: kept.id, subjectKind: 'userGroup', rights: 1 },
      ]);
      assert.deepEqual(await t.store.getUser(u.id), u);
    });
  });
}
