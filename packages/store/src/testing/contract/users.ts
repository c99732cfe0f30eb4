/** Contract: users (cascades on delete are in cascades.ts). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type ContractContext, storeError } from './context.js';
import { aUser } from './fixtures.js';

export function userCases(t: ContractContext): void {
  describe('users', () => {
    it('round-trips every field', async () => {
      const u = aUser({
        siteRights: 0xffffffff, disabled: true, totpSecret: 'JBSWY3DPEHPK3PXP', totpPendingSecret: 'PENDING',
        backupCodeHashes: ['a'.repeat(64), 'b'.repeat(64)], lastLoginAt: 1_700_000_123_456,
      });
      await t.store.createUser(u);
      assert.deepEqual(await t.store.getUser(u.id), u);
      assert.deepEqual(await t.store.getUserByName(u.name), u);
      const plain = aUser();
      await t.store.createUser(plain);
      assert.deepEqual(await t.store.getUser(plain.id), plain);
    });

    it('returns null for a missing user', async () => {
      await t.store.createUser(aUser({ name: 'alice' }));
      assert.equal(await t.store.getUser('missing'), null);
      assert.equal(await t.store.getUserByName('bob'), null);
    });

    it('refuses a duplicate id or name with conflict', async () => {
      const u = aUser({ name: 'alice' });
      await t.store.createUser(u);
      await assert.rejects(t.store.createUser(aUser({ id: u.id, name: 'other' })), storeError('conflict'));
      await assert.rejects(t.store.createUser(aUser({ name: 'alice' })), storeError('conflict'));
      assert.equal(await t.store.countUsers(), 1);
      assert.deepEqual(await t.store.getUser(u.id), u);
    });

    it('lists users by name and counts them', async () => {
      assert.deepEqual(await t.store.listUsers(), []);
      assert.equal(await t.store.countUsers(), 0);
      const c = aUser({ name: 'carol' }), a = aUser({ name: 'alice' }), b = aUser({ name: 'bob' });
      for (const u of [c, a, b]) await t.store.createUser(u);
      assert.deepEqual(await t.store.listUsers(), [a, b, c]);
      assert.equal(await t.store.countUsers(), 3);
    });

    it('updates only the patched fields', async () => {
      const u = aUser({ totpSecret: 'SECRET', backupCodeHashes: ['x'] });
      const other = aUser();
      await t.store.createUser(u);
      await t.store.createUser(other);
      assert.equal(await t.store.updateUser(u.id, { siteRights: 5, totpSecret: null, lastLoginAt: 123 }), true);
      assert.deepEqual(await t.store.getUser(u.id), { ...u, siteRights: 5, totpSecret: null, lastLoginAt: 123 });
      assert.equal(await t.store.updateUser(u.id, { disabled: true, backupCodeHashes: ['y', 'z'], name: 'renamed' }), true);
      assert.deepEqual(await t.store.getUser(u.id), {
        ...u, siteRights: 5, totpSecret: null, lastLoginAt: 123, disabled: true, backupCodeHashes: ['y', 'z'], name: 'renamed',
      });
      assert.equal(await t.store.updateUser(u.id, {}), true);
      assert.deepEqual(await t.store.getUser(other.id), other);
    });

    it('returns false when updating a missing user', async () => {
      assert.equal(await t.store.updateUser('missing', { disabled: true }), false);
      assert.equal(await t.store.updateUser('missing', {}), false);
      assert.equal(await t.store.countUsers(), 0);
    });

    it('refuses renaming to a taken name with conflict', async () => {
      const a = aUser({ name: 'alice' }), b = aUser({ name: 'bob' });
      await t.store.createUser(a);
      await t.store.createUser(b);
      await assert.rejects(t.store.updateUser(b.id, { name: 'alice', disabled: true }), storeError('conflict'));
      assert.deepEqual(await t.store.getUser(b.id), b);
    });

    it('deletes a user once', async () => {
      const u = aUser(), keep = aUser();
      await t.store.createUser(u);
      await t.store.createUser(keep);
      assert.equal(await t.store.deleteUser(u.id), true);
      assert.equal(await t.store.getUser(u.id), null);
      assert.equal(await t.store.getUserByName(u.name), null);
      assert.equal(await t.store.deleteUser(u.id), false);
      assert.deepEqual(await t.store.listUsers(), [keep]);
    });
  });
}
