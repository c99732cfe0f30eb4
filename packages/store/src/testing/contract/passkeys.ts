/** Contract: passkeys (WebAuthn credentials) and one-time auth challenges. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type ContractContext, byId, storeError } from './context.js';
import { aPasskey, anAuthChallenge, aUser, T0 } from './fixtures.js';

export function passkeyCases(t: ContractContext): void {
  describe('passkeys', () => {
    async function user() {
      const u = aUser();
      await t.store.createUser(u);
      return u;
    }

    it('creates, lists per user and finds by credential id; the key bytes come back as a Uint8Array', async () => {
      const u1 = await user(), u2 = await user();
      const a = aPasskey(u1.id), b = aPasskey(u1.id, { lastUsedAt: T0 + 5, counter: 7 }), c = aPasskey(u2.id);
      for (const p of [a, b, c]) await t.store.createPasskey(p);
      assert.deepEqual(byId(await t.store.listPasskeysOfUser(u1.id)), byId([a, b]));
      assert.deepEqual(await t.store.listPasskeysOfUser('missing'), []);
      const got = await t.store.getPasskeyByCredentialId(c.credentialId);
      assert.deepEqual(got, c);
      assert.ok(got?.publicKey instanceof Uint8Array);
      assert.equal(await t.store.getPasskeyByCredentialId('missing'), null);
    });

    it('refuses a duplicate id or credential id with conflict, and a missing user with not_found', async () => {
      const u = await user(), other = await user();
      const p = aPasskey(u.id);
      await t.store.createPasskey(p);
      await assert.rejects(t.store.createPasskey(aPasskey(u.id, { id: p.id })), storeError('conflict'));
      await assert.rejects(t.store.createPasskey(aPasskey(other.id, { credentialId: p.credentialId })), storeError('conflict'));
      await assert.rejects(t.store.createPasskey(aPasskey('missing')), storeError('not_found'));
      assert.deepEqual(await t.store.listPasskeysOfUser(other.id), []);
    });

    it('updates counter and last use only', async () => {
      const u = await user();
      const p = aPasskey(u.id);
      await t.store.createPasskey(p);
      assert.equal(await t.store.updatePasskeyUsage(p.id, 42, T0 + 1000), true);
      assert.deepEqual(await t.store.getPasskeyByCredentialId(p.credentialId), { ...p, counter: 42, lastUsedAt: T0 + 1000 });
      assert.equal(await t.store.updatePasskeyUsage('missing', 1, T0), false);
    });

    it('deletes a passkey only through its own user, or all of a user', async () => {
      const u1 = await user(), u2 = await user();
      const a = aPasskey(u1.id), b = aPasskey(u1.id), c = aPasskey(u2.id);
      for (const p of [a, b, c]) await t.store.createPasskey(p);
      assert.equal(await t.store.deletePasskeyOfUser(a.id, u2.id), false, 'not through another user');
      assert.equal(await t.store.deletePasskeyOfUser(a.id, u1.id), true);
      assert.equal(await t.store.deletePasskeyOfUser(a.id, u1.id), false);
      assert.equal(await t.store.deletePasskeysOfUser(u1.id), 1);
      assert.equal(await t.store.deletePasskeysOfUser(u1.id), 0);
      assert.deepEqual(await t.store.listPasskeysOfUser(u2.id), [c]);
    });

    it('deleting a user deletes its passkeys and challenges', async () => {
      const u = await user();
      const p = aPasskey(u.id);
      await t.store.createPasskey(p);
      const ch = anAuthChallenge({ purpose: 'register', userId: u.id });
      await t.store.createAuthChallenge(ch);
      assert.equal(await t.store.deleteUser(u.id), true);
      assert.equal(await t.store.getPasskeyByCredentialId(p.credentialId), null);
      assert.equal(await t.store.consumeAuthChallenge(ch.id, 'register', T0), null);
    });
  });

  describe('auth challenges', () => {
    it('consumes a challenge once, only for its purpose and before it expires', async () => {
      const u = aUser();
      await t.store.createUser(u);
      const login = anAuthChallenge(), reg = anAuthChallenge({ purpose: 'register', userId: u.id });
      await t.store.createAuthChallenge(login);
      await t.store.createAuthChallenge(reg);
      assert.equal(await t.store.consumeAuthChallenge(login.id, 'register', T0), null, 'wrong purpose');
      assert.deepEqual(await t.store.consumeAuthChallenge(login.id, 'login', T0), login);
      assert.equal(await t.store.consumeAuthChallenge(login.id, 'login', T0), null, 'used');
      assert.equal(await t.store.consumeAuthChallenge(reg.id, 'register', reg.expiresAt), null, 'expiresAt <= now is expired');
      assert.equal(await t.store.consumeAuthChallenge(reg.id, 'register', T0), null, 'an expired one is gone once tried');
      assert.equal(await t.store.consumeAuthChallenge('missing', 'login', T0), null);
    });

    it('gives a concurrently consumed challenge to exactly one caller', async () => {
      const ch = anAuthChallenge();
      await t.store.createAuthChallenge(ch);
      const got = await Promise.all(Array.from({ length: 5 }, () => t.store.consumeAuthChallenge(ch.id, 'login', T0)));
      assert.equal(got.filter((c) => c !== null).length, 1);
    });

    it('refuses a duplicate id with conflict and a missing user with not_found', async () => {
      const ch = anAuthChallenge();
      await t.store.createAuthChallenge(ch);
      await assert.rejects(t.store.createAuthChallenge(anAuthChallenge({ id: ch.id })), storeError('conflict'));
      await assert.rejects(t.store.createAuthChallenge(anAuthChallenge({ purpose: 'register', userId: 'missing' })), storeError('not_found'));
    });

    it('deletes challenges whose expiresAt <= now', async () => {
      const past = anAuthChallenge({ expiresAt: T0 - 1 }), now = anAuthChallenge({ expiresAt: T0 });
      const future = anAuthChallenge({ expiresAt: T0 + 1 });
      for (const c of [past, now, future]) await t.store.createAuthChallenge(c);
      assert.equal(await t.store.deleteExpiredAuthChallenges(T0), 2);
      assert.equal(await t.store.deleteExpiredAuthChallenges(T0), 0);
      assert.deepEqual(await t.store.consumeAuthChallenge(future.id, 'login', T0), future);
    });
  });
}
