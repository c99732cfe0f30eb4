/**
 * Finding 9: a leaked API token must not turn into lasting access. A token cannot create tokens,
 * register passkeys, change second factors or the password; those need a login session whose
 * login is recent; a password change can revoke every token and remove every passkey.
 */
import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openSqliteStore } from '@meshwork/store-sqlite';
import { sessionPrincipal } from '../../auth/authenticate.js';
import { hashPassword } from '../../auth/passwords.js';
import { newSecret, sha256Hex } from '../../auth/secrets.js';
import { addUser, call, errorCode, testSystem } from '../../domain/testkit/system.js';
import type { System } from '../../system.js';
import { removeDir, startWithAdmin, type Reply } from '../../testing/server-process.js';

const PW = 'correct horse battery';
const code = (r: Reply): unknown => (r.json as { code?: unknown } | undefined)?.code;

test('an API token cannot mint tokens, passkeys or second factors, nor change the password', async (t) => {
  const { server: s, admin } = await startWithAdmin('admin', PW);
  t.after(async () => { await s.stop('SIGKILL'); removeDir(s.dataDir); });
  const made = await admin.call('POST', '/api/v1/tokens', { body: { name: 'automation', expiresInDays: 1 } });
  assert.equal(made.status, 200, made.text);
  const bearer = { authorization: `Bearer ${(made.json as { secret: string }).secret}` };
  const asToken = (method: string, path: string, body?: unknown): Promise<Reply> =>
    s.req(method, path, { headers: { ...bearer, origin: `https://127.0.0.1:${s.port}` }, ...(body !== undefined ? { body } : {}) });
  assert.equal((await asToken('GET', '/api/v1/tokens')).status, 200, 'the token still reads');
  for (const [path, body] of [
    ['/api/v1/tokens', { name: 'forever' }],
    ['/api/v1/account/passkeys/register/begin', undefined],
    ['/api/v1/account/totp/begin', undefined],
    ['/api/v1/account/totp/disable', { password: PW }],
    ['/api/v1/account/password', { current: PW, password: 'taken over by token' }],
  ] as const) {
    const r = await asToken('POST', path, body);
    assert.equal(r.status, 403, `${path}: ${r.text}`);
    assert.equal(code(r), 'session_required', path);
  }
  const store = await openSqliteStore(join(s.dataDir, 'meshwork.db'));
  t.after(() => store.close());
  assert.equal((await store.listApiTokens()).length, 1, 'no token was minted');

  // The owner changes the password and revokes every token with it.
  const changed = await admin.call('POST', '/api/v1/account/password', { body: { current: PW, password: 'a brand new password', revokeTokens: true, removePasskeys: true } });
  assert.equal(changed.status, 200, changed.text);
  const after = await asToken('GET', '/api/v1/tokens');
  assert.equal(after.status, 401);
  assert.equal(code(after), 'token_invalid');
  const [event] = await store.listEvents({ type: 'account.passwordChanged', limit: 1 });
  assert.deepEqual(event?.data, { revokedTokens: 1, removedPasskeys: 0 });
});

describe('credential changes need a recent login', () => {
  /** A real session row created `ageMs` ago, and the principal the server derives from its cookie. */
  async function sessionAged(sys: System, userId: string, ageMs: number): Promise<NonNullable<Awaited<ReturnType<typeof sessionPrincipal>>>> {
    const secret = newSecret();
    const created = sys.now() - ageMs;
    await sys.store.createSession({ id: sha256Hex(secret), userId, csrfToken: 'c', createdAt: created, expiresAt: sys.now() + 3600_000, lastSeenAt: sys.now(), ip: '127.0.0.1', userAgent: 't' });
    const p = await sessionPrincipal(sys, { mw_session: secret });
    assert.ok(p);
    return p;
  }

  it('a session whose login is older than 10 minutes must log in again first', async () => {
    const t = await testSystem();
    try {
      const bob = await addUser(t.sys, 'bob');
      await t.sys.store.updateUser(bob.id, { passwordHash: await hashPassword(PW) });
      const stale = await sessionAged(t.sys, bob.id, 11 * 60_000);
      assert.equal(await errorCode(call(t.sys, 'tokens.create', stale, { body: { name: 'x' } })), 'reauth_required');
      assert.equal(await errorCode(call(t.sys, 'account.totpBegin', stale)), 'reauth_required');
      assert.equal(await errorCode(call(t.sys, 'account.passkeyRegisterBegin', stale)), 'reauth_required');
      const fresh = await sessionAged(t.sys, bob.id, 60_000);
      assert.equal(await errorCode(call(t.sys, 'tokens.create', fresh, { body: { name: 'x' } })), 'ok');
      assert.equal(await errorCode(call(t.sys, 'account.totpBegin', fresh)), 'ok');
      // The password change carries the current password, its own fresh proof.
      assert.equal(await errorCode(call(t.sys, 'account.changePassword', stale, { body: { current: PW, password: 'another password', revokeTokens: true } })), 'ok');
      assert.deepEqual(await t.sys.store.listApiTokens(bob.id), []);
    } finally {
      await t.close();
    }
  });
});
