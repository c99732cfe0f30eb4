/** Rights links (authz/links.ts) through the handlers: restrictions cannot be shed by OR-ing links. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GROUP_FULL, GROUP_RIGHTS as R } from '@meshwork/protocol';
import { errorCode as code, addGroup, addUser, addUserGroup, call, principalOf, testSystem } from '../domain/testkit/system.js';

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
