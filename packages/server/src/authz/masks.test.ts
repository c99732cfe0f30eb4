import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GROUP_FULL, GROUP_RIGHTS as R, SITE_RIGHTS as S } from '@meshwork/protocol';
import { groupMaskWithin, groupRestrictions, liftedSiteRestrictions, mayLiftGroupRestrictions, siteRightsWithin } from './masks.js';

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
