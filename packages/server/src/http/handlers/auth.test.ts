/** Setup, login, sessions, CSRF, Origin and throttling — against the real server process. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { openSqliteStore } from '@meshwork/store-sqlite';
import { Browser, removeDir, startServer, startWithAdmin, type Reply } from '../../testing/server-process.js';

const code = (r: Reply): unknown => (r.json as { code?: unknown } | undefined)?.code;
const PW = 'correct horse battery';

test('setup: the one-time token creates the first admin once, then setup is done', async (t) => {
  const s = await startServer();
  t.after(async () => { await s.stop('SIGKILL'); removeDir(s.dataDir); });
  const b = new Browser(s);
  const wrong = await b.call('POST', '/api/v1/setup', { body: { token: 'x'.repeat(43), name: 'admin', password: PW } });
  assert.equal(wrong.status, 403);
  assert.equal(code(wrong), 'setup_token_invalid');
  const ok = await b.call('POST', '/api/v1/setup', { body: { token: s.setupToken, name: 'admin', password: PW } });
  assert.equal(ok.status, 200, ok.text);
  const info = ok.json as { user: { name: string; siteRights: string[] }; csrfToken: string };
  assert.equal(info.user.name, 'admin');
  assert.deepEqual(info.user.siteRights, ['admin']);
  assert.ok(b.cookie, 'logged in by setup');
  assert.equal((await b.call('GET', '/api/v1/auth/session')).status, 200);
  const again = await new Browser(s).call('POST', '/api/v1/setup', { body: { token: s.setupToken, name: 'other', password: PW } });
  assert.equal(again.status, 409);
  assert.equal(code(again), 'setup_done');
  assert.equal(((await s.req('GET', '/api/v1/server')).json as { setupRequired: boolean }).setupRequired, false);
  // The stored setting held only a hash, and it is gone now.
  const store = await openSqliteStore(join(s.dataDir, 'meshwork.db'));
  t.after(() => store.close());
  assert.equal(await store.getSetting('setupTokenHash'), null);
});

test('login sets a Secure HttpOnly SameSite=Strict cookie; logout ends the session', async (t) => {
  const { server: s } = await startWithAdmin('admin', PW);
  t.after(async () => { await s.stop('SIGKILL'); removeDir(s.dataDir); });
  const b = new Browser(s);
  const bad = await b.login('admin', 'wrong password');
  assert.equal(bad.status, 401);
  assert.equal(code(bad), 'bad_credentials');
  const unknown = await b.login('nobody', 'wrong password');
  assert.equal(code(unknown), 'bad_credentials', 'unknown users look the same');
  const r = await b.login('ADMIN', PW);
  assert.equal(r.status, 200);
  const set = r.headers['set-cookie'];
  assert.ok(Array.isArray(set) && set.length === 1);
  const cookie = set[0] ?? '';
  assert.match(cookie, /^mw_session=[A-Za-z0-9_-]{43}; /);
  for (const attr of ['HttpOnly', 'Secure', 'SameSite=Strict', 'Path=/']) assert.ok(cookie.split('; ').includes(attr), `${attr} in ${cookie}`);
  // Only the SHA-256 of the cookie secret is stored.
  const secret = /^mw_session=([^;]+)/.exec(cookie)?.[1] ?? '';
  const store = await openSqliteStore(join(s.dataDir, 'meshwork.db'));
  t.after(() => store.close());
  const sid = createHash('sha256').update(secret).digest('hex');
  assert.ok(await store.getSession(sid));
  assert.equal(await store.getSession(secret), null);

  assert.equal((await b.call('GET', '/api/v1/auth/session')).status, 200);
  // Logging in again from the same browser replaces the session instead of keeping the old one.
  assert.equal((await b.login('admin', PW)).status, 200);
  assert.equal(await store.getSession(sid), null, 'old session gone');
  const secret2 = b.cookie.replace('mw_session=', '');
  const sid2 = createHash('sha256').update(secret2).digest('hex');
  assert.ok(await store.getSession(sid2));
  const out = await b.call('POST', '/api/v1/auth/logout');
  assert.equal(out.status, 200);
  assert.equal(await store.getSession(sid2), null);
  const after = await s.req('GET', '/api/v1/auth/session', { headers: { cookie: `mw_session=${secret2}` } });
  assert.equal(after.status, 401);
  assert.equal(code(after), 'unauthenticated');
});

test('logout-all ends every session of the user; an expired session says session_expired', async (t) => {
  const { server: s } = await startWithAdmin('admin', PW);
  t.after(async () => { await s.stop('SIGKILL'); removeDir(s.dataDir); });
  const a = new Browser(s);
  const b = new Browser(s);
  await a.login('admin', PW);
  await b.login('admin', PW);
  assert.equal((await a.call('POST', '/api/v1/auth/logout-all')).status, 200);
  assert.equal((await b.call('GET', '/api/v1/auth/session')).status, 401);

  const c = new Browser(s);
  await c.login('admin', PW);
  const store = await openSqliteStore(join(s.dataDir, 'meshwork.db'));
  t.after(() => store.close());
  const sid = createHash('sha256').update(c.cookie.replace('mw_session=', '')).digest('hex');
  await store.touchSession(sid, 1, 2); // expired long ago
  const r = await c.call('GET', '/api/v1/auth/session');
  assert.equal(r.status, 401);
  assert.equal(code(r), 'session_expired');
});

test('cookie-authenticated writes need the CSRF token; a foreign Origin is refused', async (t) => {
  const { server: s, admin } = await startWithAdmin('admin', PW);
  t.after(async () => { await s.stop('SIGKILL'); removeDir(s.dataDir); });
  const body = { name: 'ci', expiresInDays: 1 };
  const noCsrf = await admin.call('POST', '/api/v1/tokens', { body, csrf: false });
  assert.equal(noCsrf.status, 403);
  assert.equal(code(noCsrf), 'csrf_failed');
  const wrongCsrf = await admin.call('POST', '/api/v1/tokens', { body, csrf: false, headers: { 'x-csrf-token': admin.csrf.slice(0, -1) + (admin.csrf.endsWith('A') ? 'B' : 'A') } });
  assert.equal(code(wrongCsrf), 'csrf_failed');
  const evil = await admin.call('POST', '/api/v1/tokens', { body, headers: { origin: 'https://evil.example' } });
  assert.equal(evil.status, 403);
  assert.equal(code(evil), 'origin_rejected');
  const nullOrigin = await admin.call('POST', '/api/v1/tokens', { body, headers: { origin: 'null' } });
  assert.equal(code(nullOrigin), 'origin_rejected');
  const otherPort = await admin.call('POST', '/api/v1/tokens', { body, headers: { origin: `https://127.0.0.1:${s.port + 1}` } });
  assert.equal(code(otherPort), 'origin_rejected');
  // Cross-site login attempts are refused too.
  const crossLogin = await new Browser(s).call('POST', '/api/v1/auth/login', { body: { name: 'admin', password: PW }, headers: { origin: 'https://evil.example' } });
  assert.equal(code(crossLogin), 'origin_rejected');
  // Same origin + token: accepted. GET needs no CSRF token.
  const ok = await admin.call('POST', '/api/v1/tokens', { body, headers: { origin: s.url } });
  assert.equal(ok.status, 200, ok.text);
  assert.equal((await admin.call('GET', '/api/v1/tokens', { csrf: false })).status, 200);
});

test('10 failed logins from one /24 lock it out, even with the right password, and emit auth.lockout', async (t) => {
  const { server: s } = await startWithAdmin('admin', PW);
  t.after(async () => { await s.stop('SIGKILL'); removeDir(s.dataDir); });
  const b = new Browser(s);
  for (let i = 0; i < 10; i++) {
    const r = await b.login(i % 2 ? 'admin' : `ghost${i}`, `wrong-${i}`);
    assert.equal(code(r), 'bad_credentials', `attempt ${i + 1}`);
  }
  const locked = await b.login('admin', PW);
  assert.equal(locked.status, 429);
  assert.equal(code(locked), 'too_many_attempts');
  assert.equal(b.cookie, '', 'no session');
  const store = await openSqliteStore(join(s.dataDir, 'meshwork.db'));
  t.after(() => store.close());
  const lockouts = await store.listEvents({ type: 'auth.lockout', limit: 10 });
  assert.equal(lockouts.length, 1);
  assert.deepEqual(lockouts[0]?.visibleTo.includes('*'), true, 'visible to site admins');
  assert.equal(lockouts[0]?.data.network, '127.0.0.0/24');
  assert.equal((await store.listEvents({ type: 'auth.loginFailed', limit: 100 })).length, 10);
  // Already-established sessions are not affected.
  assert.equal((await s.req('GET', '/api/v1/server')).status, 200);
});

test('a disabled account cannot log in and its sessions end; its login looks like a wrong password', async (t) => {
  const { server: s, admin } = await startWithAdmin('admin', PW);
  t.after(async () => { await s.stop('SIGKILL'); removeDir(s.dataDir); });
  const created = await admin.call('POST', '/api/v1/users', { body: { name: 'bob', password: 'bob password 1' } });
  assert.equal(created.status, 200, created.text);
  const bob = new Browser(s);
  assert.equal((await bob.login('bob', 'bob password 1')).status, 200);
  const id = (created.json as { id: string }).id;
  assert.equal((await admin.call('PATCH', `/api/v1/users/${id}`, { body: { disabled: true } })).status, 200);
  assert.equal((await bob.call('GET', '/api/v1/auth/session')).status, 401);
  // The right password and a wrong one get the same answer: a guesser must not learn which is right.
  const again = await new Browser(s).login('bob', 'bob password 1');
  const wrong = await new Browser(s).login('bob', 'not bobs password');
  for (const r of [again, wrong]) {
    assert.equal(r.status, 401);
    assert.equal(code(r), 'bad_credentials');
  }
  assert.equal(again.text, wrong.text);
});
