/** Contract: agent enrolment tokens and their atomic consumption. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type ContractContext, storeError, byId } from './context.js';
import { aDeviceGroup, anEnrolmentToken, T0 } from './fixtures.js';

export function enrolmentCases(t: ContractContext): void {
  describe('enrolment tokens', () => {
    async function group() {
      const g = aDeviceGroup();
      await t.store.createDeviceGroup(g);
      return g;
    }

    it('creates and gets by id and by secret hash; null when missing', async () => {
      const g = await group();
      const tok = anEnrolmentToken(g.id, { createdBy: 'user-1', expiresAt: T0 + 1000, maxUses: 3, uses: 1 });
      await t.store.createEnrolmentToken(tok);
      assert.deepEqual(await t.store.getEnrolmentToken(tok.id), tok);
      assert.deepEqual(await t.store.getEnrolmentTokenBySecretHash(tok.secretHash), tok);
      assert.equal(await t.store.getEnrolmentToken('missing'), null);
      assert.equal(await t.store.getEnrolmentTokenBySecretHash('missing'), null);
    });

    it('refuses duplicates with conflict and a missing group with not_found', async () => {
      const g = await group();
      const tok = anEnrolmentToken(g.id);
      await t.store.createEnrolmentToken(tok);
      await assert.rejects(t.store.createEnrolmentToken(anEnrolmentToken(g.id, { id: tok.id })), storeError('conflict'));
      await assert.rejects(t.store.createEnrolmentToken(anEnrolmentToken(g.id, { secretHash: tok.secretHash })), storeError('conflict'));
      await assert.rejects(t.store.createEnrolmentToken(anEnrolmentToken('missing')), storeError('not_found'));
      assert.deepEqual(await t.store.listEnrolmentTokens(g.id), [tok]);
    });

    it('lists the tokens of one group and deletes a token once', async () => {
      const g1 = await group(), g2 = await group();
      const a = anEnrolmentToken(g1.id), b = anEnrolmentToken(g1.id), c = anEnrolmentToken(g2.id);
      for (const tok of [a, b, c]) await t.store.createEnrolmentToken(tok);
      assert.deepEqual(byId(await t.store.listEnrolmentTokens(g1.id)), byId([a, b]));
      assert.deepEqual(await t.store.listEnrolmentTokens('missing'), []);
      assert.equal(await t.store.deleteEnrolmentToken(a.id), true);
      assert.equal(await t.store.deleteEnrolmentToken(a.id), false);
      assert.deepEqual(await t.store.listEnrolmentTokens(g1.id), [b]);
    });

    it('consumes up to maxUses, counting uses', async () => {
      const g = await group();
      const limited = anEnrolmentToken(g.id, { maxUses: 2 });
      const unlimited = anEnrolmentToken(g.id, { maxUses: null });
      await t.store.createEnrolmentToken(limited);
      await t.store.createEnrolmentToken(unlimited);
      assert.equal(await t.store.consumeEnrolmentToken(limited.id, T0), true);
      assert.equal(await t.store.consumeEnrolmentToken(limited.id, T0), true);
      assert.equal(await t.store.consumeEnrolmentToken(limited.id, T0), false);
      assert.equal((await t.store.getEnrolmentToken(limited.id))?.uses, 2);
      for (let i = 0; i < 5; i++) assert.equal(await t.store.consumeEnrolmentToken(unlimited.id, T0), true);
      assert.equal((await t.store.getEnrolmentToken(unlimited.id))?.uses, 5);
      assert.equal(await t.store.consumeEnrolmentToken('missing', T0), false);
    });

    it('refuses to consume an expired token (expiresAt <= now) without counting a use', async () => {
      const g = await group();
      const tok = anEnrolmentToken(g.id, { expiresAt: T0 + 100 });
      await t.store.createEnrolmentToken(tok);
      assert.equal(await t.store.consumeEnrolmentToken(tok.id, T0 + 99), true);
      assert.equal(await t.store.consumeEnrolmentToken(tok.id, T0 + 100), false);
      assert.equal(await t.store.consumeEnrolmentToken(tok.id, T0 + 5000), false);
      assert.equal((await t.store.getEnrolmentToken(tok.id))?.uses, 1);
    });

    it('never exceeds maxUses under 20 concurrent consumes', async () => {
      const g = await group();
      const tok = anEnrolmentToken(g.id, { maxUses: 5 });
      await t.store.createEnrolmentToken(tok);
      const results = await Promise.all(Array.from({ length: 20 }, () => t.store.consumeEnrolmentToken(tok.id, T0)));
      assert.equal(results.filter((ok) => ok).length, 5);
      assert.equal((await t.store.getEnrolmentToken(tok.id))?.uses, 5);
    });
  });
}
