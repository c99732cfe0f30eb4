/** Contract: second factors are spent atomically (backup codes once, TOTP steps only forward). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ContractContext } from './context.js';
import { aUser } from './fixtures.js';

export function secondFactorCases(t: ContractContext): void {
  describe('second factors', () => {
    it('spends a backup code once, leaving the others', async () => {
      const u = aUser({ backupCodeHashes: ['a'.repeat(64), 'b'.repeat(64)] });
      await t.store.createUser(u);
      assert.equal(await t.store.consumeBackupCode(u.id, 'a'.repeat(64)), true);
      assert.equal(await t.store.consumeBackupCode(u.id, 'a'.repeat(64)), false);
      assert.equal(await t.store.consumeBackupCode(u.id, 'c'.repeat(64)), false);
      assert.equal(await t.store.consumeBackupCode('missing', 'b'.repeat(64)), false);
      assert.deepEqual((await t.store.getUser(u.id))?.backupCodeHashes, ['b'.repeat(64)]);
    });

    it('of concurrent spends of one backup code, exactly one succeeds', async () => {
      const u = aUser({ backupCodeHashes: ['a'.repeat(64), 'b'.repeat(64)] });
      await t.store.createUser(u);
      const results = await Promise.all(Array.from({ length: 8 }, () => t.store.consumeBackupCode(u.id, 'b'.repeat(64))));
      assert.equal(results.filter(Boolean).length, 1);
      assert.deepEqual((await t.store.getUser(u.id))?.backupCodeHashes, ['a'.repeat(64)]);
    });

    it('accepts a TOTP step only when it is later than every step used before', async () => {
      const u = aUser();
      await t.store.createUser(u);
      assert.equal(await t.store.useTotpStep(u.id, 100), true);
      assert.equal(await t.store.useTotpStep(u.id, 100), false, 'replay');
      assert.equal(await t.store.useTotpStep(u.id, 99), false, 'older');
      assert.equal(await t.store.useTotpStep(u.id, 101), true);
      const other = aUser();
      await t.store.createUser(other);
      assert.equal(await t.store.useTotpStep(other.id, 50), true, 'per user');
      const same = await Promise.all(Array.from({ length: 8 }, () => t.store.useTotpStep(u.id, 102)));
      assert.equal(same.filter(Boolean).length, 1, 'one of concurrent uses of a step');
      await t.store.clearTotpSteps(u.id);
      assert.equal(await t.store.useTotpStep(u.id, 10), true, 'cleared');
    });
  });
}
