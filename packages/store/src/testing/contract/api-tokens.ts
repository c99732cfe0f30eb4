/** Contract: API tokens. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type ContractContext, storeError, byId } from './context.js';
import { anApiToken, aUser, T0 } from './fixtures.js';

export function apiTokenCases(t: ContractContext): void {
  describe('API tokens', () => {
    async function user() {
      const u = aUser();
      await t.store.createUser(u);
      return u;
    }

    it('creates and gets by id and by secret hash; null when missing', async () => {
      const u = await user();
      const tok = anApiToken(u.id, { expiresAt: T0 + 1000, lastUsedAt: T0 + 5 });
      const forever = anApiToken(u.id);
      await t.store.createApiToken(tok);
      await t.store.createApiToken(forever);
      assert.deepEqual(await t.store.getApiToken(tok.id), tok);
      assert.deepEqual(await t.store.getApiToken(forever.id), forever);
      assert.deepEqual(await t.store.getApiTokenBySecretHash(tok.secretHash), tok);
      assert.equal(await t.store.getApiToken('missing'), null);
      assert.equal(await t.store.getApiTokenBySecretHash('missing'), null);
    });

    it('refuses a duplicate id or secret hash with conflict, and a missing user with not_found', async () => {
      const u = await user();
      const tok = anApiToken(u.id);
      await t.store.createApiToken(tok);
      await assert.rejects(t.store.createApiToken(anApiToken(u.id, { id: tok.id })), storeError('conflict'));
      await assert.rejects(t.store.createApiToken(anApiToken(u.id, { secretHash: tok.secretHash })), storeError('conflict'));
      await assert.rejects(t.store.createApiToken(anApiToken('missing')), storeError('not_found'));
      assert.deepEqual(await t.store.listApiTokens(), [tok]);
    });

    it('lists all tokens or those of one user', async () => {
      const u1 = await user(), u2 = await user();
      const a = anApiToken(u1.id), b = anApiToken(u1.id), c = anApiToken(u2.id);
      for (const tok of [a, b, c]) await t.store.createApiToken(tok);
      assert.deepEqual(byId(await t.store.listApiTokens()), byId([a, b, c]));
      assert.deepEqual(byId(await t.store.listApiTokens(u1.id)), byId([a, b]));
      assert.deepEqual(await t.store.listApiTokens('missing'), []);
    });

    it('touch sets lastUsedAt only', async () => {
      const u = await user();
      const tok = anApiToken(u.id);
      await t.store.createApiToken(tok);
      await t.store.touchApiToken(tok.id, T0 + 42);
      assert.deepEqual(await t.store.getApiToken(tok.id), { ...tok, lastUsedAt: T0 + 42 });
      await t.store.touchApiToken('missing', T0); // no-op, no error
    });

    it('deletes a token once', async () => {
      const u = await user();
      const tok = anApiToken(u.id), keep = anApiToken(u.id);
      await t.store.createApiToken(tok);
      await t.store.createApiToken(keep);
      assert.equal(await t.store.deleteApiToken(tok.id), true);
      assert.equal(await t.store.deleteApiToken(tok.id), false);
      assert.equal(await t.store.getApiTokenBySecretHash(tok.secretHash), null);
      assert.deepEqual(await t.store.listApiTokens(), [keep]);
    });
  });
}
