/** Contract: login sessions. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type ContractContext, storeError, byId } from './context.js';
import { aSession, aUser, T0 } from './fixtures.js';

export function sessionCases(t: ContractContext): void {
  describe('sessions', () => {
    async function user() {
      const u = aUser();
      await t.store.createUser(u);
      return u;
    }

    it('creates and gets; null when missing; conflict on duplicate id', async () => {
      const u = await user();
      const s = aSession(u.id, { ip: '2001:db8::1', userAgent: 'Mozilla/5.0' });
      await t.store.createSession(s);
      assert.deepEqual(await t.store.getSession(s.id), s);
      assert.equal(await t.store.getSession('missing'), null);
      await assert.rejects(t.store.createSession(aSession(u.id, { id: s.id })), storeError('conflict'));
      assert.deepEqual(await t.store.getSession(s.id), s);
    });

    it('refuses a session of a missing user with not_found', async () => {
      await assert.rejects(t.store.createSession(aSession('missing')), storeError('not_found'));
    });

    it('touch moves lastSeenAt and expiresAt only', async () => {
      const u = await user();
      const s = aSession(u.id), other = aSession(u.id);
      await t.store.createSession(s);
      await t.store.createSession(other);
      await t.store.touchSession(s.id, T0 + 60_000, T0 + 7_200_000);
      assert.deepEqual(await t.store.getSession(s.id), { ...s, lastSeenAt: T0 + 60_000, expiresAt: T0 + 7_200_000 });
      assert.deepEqual(await t.store.getSession(other.id), other);
      await t.store.touchSession('missing', T0, T0); // no-op, no error
      assert.equal(await t.store.getSession('missing'), null);
    });

    it('deletes one session, or all of a user', async () => {
      const u1 = await user(), u2 = await user();
      const a = aSession(u1.id), b = aSession(u1.id), c = aSession(u2.id), d = aSession(u2.id);
      for (const s of [a, b, c, d]) await t.store.createSession(s);
      assert.equal(await t.store.deleteSession(d.id), true);
      assert.equal(await t.store.deleteSession(d.id), false);
      assert.equal(await t.store.deleteSessionsOfUser(u1.id), 2);
      assert.equal(await t.store.deleteSessionsOfUser(u1.id), 0);
      assert.equal(await t.store.getSession(a.id), null);
      assert.equal(await t.store.getSession(b.id), null);
      assert.deepEqual(await t.store.getSession(c.id), c);
    });

    it('deletes sessions whose expiresAt <= now', async () => {
      const u = await user();
      const past = aSession(u.id, { expiresAt: T0 - 1 }), now = aSession(u.id, { expiresAt: T0 });
      const future = aSession(u.id, { expiresAt: T0 + 1 });
      for (const s of [past, now, future]) await t.store.createSession(s);
      assert.equal(await t.store.deleteExpiredSessions(T0), 2);
      assert.equal(await t.store.deleteExpiredSessions(T0), 0);
      assert.deepEqual(byId([
        await t.store.getSession(past.id), await t.store.getSession(now.id), await t.store.getSession(future.id),
      ].filter((s) => s !== null)), [future]);
    });
  });
}
