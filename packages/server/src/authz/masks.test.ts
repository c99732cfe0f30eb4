import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GROUP_FULL, GROUP_RIGHTS as R, SITE_RIGHTS as S } from '@meshwork/protocol';
import { groupMaskWithin, groupRestrictions, liftedSiteRestrictions, mayLiftGroupRestrictions, siteRightsWithin } from './masks.js';
import { errorCode as code, addGroup, addUser, addUserGroup, call, principalOf, testSystem } from '../domain/testkit/system.js';

describe('rights masks: "within"', () => {
  it('group masks: positive bits must be held, the holder’s restrictions kept', () => {
    assert.ok(groupMaskWithin(0, 0), 'no link is within anything');
    assert.ok(!groupMaskWithin(R.chat, 0));
    assert.ok(groupMaskWithin(R.chat | R.notes, R.chat | R.notes | R.wake));
    assert.ok(!groupMaskWithin(R.chat | R.runCommands, R.chat));
    assert.ok(groupMaskWithin(R.remoteControl | R.noTerminal, R.remoteControl), 'more restrictions are less power');
    assert.ok(!groupMaskWithin(R.remoteControl, R.remoteControl | R.noTerminal), 'dropping the holder’s noTerminal is more power');
    assert.ok(groupMaskWithin(R.chat, R.chat | R.noTerminal), 'noTerminal means nothing without remoteControl');
    assert.ok(!groupMaskWithin(R.chat, R.chat | R.limitedEvents), 'limitedEvents always narrows');
    assert.ok(groupMaskWithin(GROUP_FULL, GROUP_FULL));
    assert.ok(groupMaskWithin(R.remoteControl | R.runCommands, GROUP_FULL), 'full rights hold every right, unrestricted');
    assert.ok(!groupMaskWithin(GROUP_FULL, R.remoteControl | R.runCommands | R.manageUsers));
  });

  it('site rights: restrictions count the other way', () => {
    assert.ok(siteRightsWithin(S.manageUsers, S.manageUsers | S.allEvents));
    assert.ok(!siteRightsWithin(S.allEvents, S.manageUsers));
    assert.ok(!siteRightsWithin(S.admin, S.manageUsers));
    assert.ok(!siteRightsWithin(0, S.manageUsers | S.noNewGroups), 'lacking the holder’s noNewGroups is more power');
    assert.ok(siteRightsWithin(S.noNewGroups | S.locked, S.noNewGroups));
    assert.equal(liftedSiteRestrictions(S.locked | S.noNewDevices | S.manageUsers, S.manageUsers | S.noNewDevices), S.locked);
  });

  it('lifting a group restriction needs a holder not bound by it (with remoteControl for the remote ones)', () => {
    assert.ok(mayLiftGroupRestrictions(0, R.chat));
    assert.ok(mayLiftGroupRestrictions(R.noTerminal, GROUP_FULL));
    assert.ok(mayLiftGroupRestrictions(R.noTerminal, R.manageUsers | R.remoteControl));
    assert.ok(!mayLiftGroupRestrictions(R.noTerminal, R.manageUsers | R.remoteControl | R.noTerminal));
    assert.ok(!mayLiftGroupRestrictions(R.noTerminal, R.manageUsers), 'without remoteControl');
    assert.ok(mayLiftGroupRestrictions(R.limitedEvents, R.manageUsers));
    assert.equal(groupRestrictions(GROUP_FULL), 0);
  });
});

describe('rights links: no self-escalation through OR-ed links', () => {
  it('a link manager bound by noTerminal cannot drop it from its own link while remoteControl comes from a user group', async () => {
    const t = await testSystem();
    try {
      const { sys } = t;
      const owner = await addUser(sys, 'links-owner');
      const deputy = await addUser(sys, 'links-deputy');
      const team = await addUserGroup(sys, 'links-team', [deputy.id]);
      const g = await addGroup(sys, 'links-group', [
        { subjectId: owner.id, rights: GROUP_FULL },
        { subjectId: deputy.id, rights: R.manageUsers | R.noTerminal },
        { subjectId: team, kind: 'userGroup', rights: R.remoteControl },
      ]);
      const pd = principalOf(deputy);
      const set = (subjectId: string, rights: Array<'manageUsers' | 'remoteControl' | 'noTerminal' | 'chat'>) =>
        code(call(sys, 'groups.setRights', pd, { params: { id: g.id, subjectId }, body: { rights } }));
      assert.equal(await set(deputy.id, ['manageUsers']), 'forbidden', 'dropping its own noTerminal');
      assert.equal(await set(team, ['remoteControl']), 'forbidden', 'remoteControl without its noTerminal');
      assert.equal(await code(call(sys, 'groups.removeRights', pd, { params: { id: g.id, subjectId: deputy.id } })), 'forbidden', 'removing its own restricted link');
      assert.equal(await set(team, ['remoteControl', 'noTerminal']), 'ok', 'within its own rights');
      const po = principalOf(owner);
      assert.equal(await code(call(sys, 'groups.setRights', po, { params: { id: g.id, subjectId: deputy.id }, body: { rights: ['manageUsers'] } })), 'ok', 'the owner lifts it');
    } finally {
      await t.close();
    }
  });
});
