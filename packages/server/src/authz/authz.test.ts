import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GROUP_FULL, GROUP_RIGHTS, SITE_RIGHTS, can } from '@meshwork/protocol';
import { ApiError } from '../errors.js';
import { errorCode as code, addDevice, addGroup, addUser, addUserGroup, principalOf, testSystem, type TestSystem } from '../domain/testkit/system.js';

const R = GROUP_RIGHTS;

describe('authz', () => {
  let t: TestSystem;
  before(async () => {
    t = await testSystem();
  });
  after(() => t.close());

  it('ORs direct links and links of the user groups the user belongs to', async () => {
    const { sys } = t;
    const alice = await addUser(sys, 'alice-or');
    const ug1 = await addUserGroup(sys, 'ops-or', [alice.id]);
    const ug2 = await addUserGroup(sys, 'not-member-or', []);
    const g = await addGroup(sys, 'or-group', [
      { subjectId: alice.id, rights: R.notes },
      { subjectId: ug1, kind: 'userGroup', rights: R.manageDevices | R.wake },
      { subjectId: ug2, kind: 'userGroup', rights: R.editGroup },
    ]);
    const mask = await sys.authz.groupMask(principalOf(alice), g.id);
    assert.equal(mask, R.notes | R.manageDevices | R.wake);
    assert.ok(!can(mask, 'editGroup'), 'a user group the user is not in grants nothing');
  });

  it('gives a user with no link mask 0, not_found on checks and no visible groups', async () => {
    const { sys } = t;
    const bob = await addUser(sys, 'bob-none');
    const g = await addGroup(sys, 'hidden-from-bob');
    const d = await addDevice(sys, g.id, 'hidden-device');
    const p = principalOf(bob);
    assert.equal(await sys.authz.groupMask(p, g.id), 0);
    assert.equal(await code(sys.authz.requireGroup(p, g.id, 'view')), 'not_found');
    assert.equal(await code(sys.authz.requireGroup(p, g.id, 'editGroup')), 'not_found');
    assert.equal(await code(sys.authz.requireDevice(p, d.id, 'view')), 'not_found');
    assert.deepEqual(await sys.authz.visibleGroupIds(p), []);
  });

  it('answers forbidden (not not_found) when the group is visible but the capability is missing', async () => {
    const { sys } = t;
    const carol = await addUser(sys, 'carol-view');
    const g = await addGroup(sys, 'carol-sees', [{ subjectId: carol.id, rights: R.chat }]);
    const d = await addDevice(sys, g.id, 'carol-device');
    const p = principalOf(carol);
    await sys.authz.requireGroup(p, g.id, 'view');
    assert.equal(await code(sys.authz.requireGroup(p, g.id, 'manageDevices')), 'forbidden');
    assert.equal(await code(sys.authz.requireDevice(p, d.id, 'terminal')), 'forbidden');
    assert.equal((await sys.authz.requireDevice(p, d.id, 'view')).id, d.id);
    assert.deepEqual(await sys.authz.visibleGroupIds(p), [g.id]);
  });

  it('applies the no* rights through can(): remote control without terminal', async () => {
    const { sys } = t;
    const dave = await addUser(sys, 'dave-noterm');
    const g = await addGroup(sys, 'noterm', [{ subjectId: dave.id, rights: R.remoteControl | R.noTerminal }]);
    const d = await addDevice(sys, g.id, 'noterm-device');
    const p = principalOf(dave);
    assert.equal(await code(sys.authz.requireDevice(p, d.id, 'terminal')), 'forbidden');
    assert.equal(await code(sys.authz.requireDevice(p, d.id, 'files')), 'ok');
    assert.equal(await code(sys.authz.requireDevice(p, d.id, 'desktop')), 'ok');
  });

  it('lets a site admin see and do everything, but still reports missing records as not_found', async () => {
    const { sys } = t;
    const admin = await addUser(sys, 'root-admin', SITE_RIGHTS.admin);
    const g = await addGroup(sys, 'nobody-linked');
    const p = principalOf(admin);
    assert.equal(sys.authz.isSiteAdmin(p), true);
    assert.equal(await sys.authz.groupMask(p, g.id), GROUP_FULL);
    await sys.authz.requireGroup(p, g.id, 'editGroup');
    assert.equal(await sys.authz.visibleGroupIds(p), undefined);
    assert.equal(await sys.authz.eventAudience(p), undefined);
    assert.equal(await code(sys.authz.requireGroup(p, 'f'.repeat(96), 'view')), 'not_found');
    assert.equal(await code(sys.authz.requireDevice(p, 'e'.repeat(96), 'view')), 'not_found');
    sys.authz.requireSite(p, 'manageUserGroups');
  });

  it('checks site rights bit by bit for non-admins', async () => {
    const { sys } = t;
    const erin = await addUser(sys, 'erin-site', SITE_RIGHTS.manageUserGroups);
    const p = principalOf(erin);
    assert.equal(sys.authz.isSiteAdmin(p), false);
    sys.authz.requireSite(p, 'manageUserGroups');
    assert.throws(() => sys.authz.requireSite(p, 'manageUsers'), (e: unknown) => e instanceof ApiError && e.code === 'forbidden');
  });

  it('builds the event audience from the user, its user groups and its groups, minus limitedEvents groups', async () => {
    const { sys } = t;
    const frank = await addUser(sys, 'frank-events');
    const ug = await addUserGroup(sys, 'frank-team', [frank.id]);
    const seen = await addGroup(sys, 'frank-all-events', [{ subjectId: ug, kind: 'userGroup', rights: R.notes }]);
    const limited = await addGroup(sys, 'frank-own-events', [{ subjectId: frank.id, rights: R.notes | R.limitedEvents }]);
    const audience = await sys.authz.eventAudience(principalOf(frank));
    assert.ok(audience);
    assert.ok(audience.includes(frank.id));
    assert.ok(audience.includes(ug));
    assert.ok(audience.includes(seen.id));
    assert.ok(!audience.includes(limited.id), 'limitedEvents: only events naming the user');
    assert.ok(!audience.includes('*'));
    const allEvents = await addUser(sys, 'auditor', SITE_RIGHTS.allEvents);
    // allEvents: every event marked for site-wide audit ('*'), not the ones restricted to fewer (command output).
    assert.deepEqual(await sys.authz.eventAudience(principalOf(allEvents)), ['*', allEvents.id]);
  });

  it('treats full rights as every capability, restrictions cleared', async () => {
    const { sys } = t;
    const gina = await addUser(sys, 'gina-full');
    const g = await addGroup(sys, 'gina-group', [{ subjectId: gina.id, rights: GROUP_FULL }]);
    const d = await addDevice(sys, g.id, 'gina-device');
    for (const cap of ['terminal', 'files', 'desktop', 'editGroup', 'manageUsers', 'allEvents'] as const) {
      assert.equal(await code(sys.authz.requireDevice(principalOf(gina), d.id, cap)), 'ok', cap);
    }
  });
});
