/** Contract: login failure counting per network key. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ContractContext } from './context.js';
import { T0 } from './fixtures.js';

export function loginFailureCases(t: ContractContext): void {
  describe('login failures', () => {
    it('counts failures since a time (inclusive), per network key', async () => {
      for (const time of [T0, T0 + 10, T0 + 20, T0 + 20]) await t.store.addLoginFailure('192.0.2.0/24', time);
      await t.store.addLoginFailure('2001:db8::/64', T0 + 20);
      assert.equal(await t.store.countLoginFailures('192.0.2.0/24', T0), 4);
      assert.equal(await t.store.countLoginFailures('192.0.2.0/24', T0 + 10), 3);
      assert.equal(await t.store.countLoginFailures('192.0.2.0/24', T0 + 21), 0);
      assert.equal(await t.store.countLoginFailures('2001:db8::/64', T0), 1);
      assert.equal(await t.store.countLoginFailures('198.51.100.0/24', T0), 0);
    });

    it('clears the failures of one key', async () => {
      await t.store.addLoginFailure('a', T0);
      await t.store.addLoginFailure('a', T0 + 1);
      await t.store.addLoginFailure('b', T0);
      await t.store.clearLoginFailures('a');
      assert.equal(await t.store.countLoginFailures('a', 0), 0);
      assert.equal(await t.store.countLoginFailures('b', 0), 1);
      await t.store.clearLoginFailures('never-seen');
    });

    it('deletes failures before a time (exclusive) and returns the count', async () => {
      for (const time of [T0, T0 + 1, T0 + 2]) await t.store.addLoginFailure('a', time);
      await t.store.addLoginFailure('b', T0);
      assert.equal(await t.store.deleteLoginFailuresBefore(T0 + 2), 3);
      assert.equal(await t.store.deleteLoginFailuresBefore(T0 + 2), 0);
      assert.equal(await t.store.countLoginFailures('a', 0), 1);
      assert.equal(await t.store.countLoginFailures('b', 0), 0);
    });
  });
}
