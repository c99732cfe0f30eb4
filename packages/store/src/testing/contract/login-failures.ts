/** Contract: login failure counting per key, and atomic reservation of attempts. */
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

    it('reserves an attempt under every key when allowed, counting what it saw', async () => {
      await t.store.addLoginFailure('net', T0);
      const seen: Array<readonly { key: string; count: number; last: number | null }[]> = [];
      const r = await t.store.reserveLoginAttempt(['net', 'acct'], T0, T0 + 5, (s) => (seen.push(s), null));
      assert.ok('ids' in r && r.ids.length === 2);
      assert.deepEqual(seen[0], [{ key: 'net', count: 1, last: T0 }, { key: 'acct', count: 0, last: null }]);
      assert.equal(await t.store.countLoginFailures('net', T0), 2);
      assert.equal(await t.store.countLoginFailures('acct', T0), 1);
      await t.store.releaseLoginAttempts(r.ids);
      assert.equal(await t.store.countLoginFailures('net', T0), 1);
      assert.equal(await t.store.countLoginFailures('acct', T0), 0);
    });

    it('records nothing when refused, and returns the refusal', async () => {
      const r = await t.store.reserveLoginAttempt(['k'], T0, T0, () => 'no');
      assert.deepEqual(r, { refused: 'no' });
      assert.equal(await t.store.countLoginFailures('k', 0), 0);
    });

    it('counts concurrent reservations in turn: a limit of 3 admits exactly 3 of 20', async () => {
      const rs = await Promise.all(Array.from({ length: 20 }, () =>
        t.store.reserveLoginAttempt(['k'], T0, T0, (s) => ((s[0]?.count ?? 0) >= 3 ? 'full' : null))));
      assert.equal(rs.filter((r) => 'ids' in r).length, 3);
      assert.equal(await t.store.countLoginFailures('k', 0), 3);
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
