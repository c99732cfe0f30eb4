/** API tokens and /metrics access — against the real server process. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { openSqliteStore } from '@meshwork/store-sqlite';
import { Browser, removeDir, startWithAdmin, type Reply } from '../../testing/server-process.js';

const code = (r: Reply): unknown => (r.json as { code?: unknown } | undefined)?.code;
const PW = 'correct horse battery';

test('API tokens: created once-visible, used as Bearer without CSRF, stored hashed, revoked', async (t) => {
  const { server: s, admin } = await startWithAdmin('admin', PW);
  t.after(async () => { await s.stop('SIGKILL'); removeDir(s.dataDir); });
  const created = await admin.call('POST', '/api/v1/tokens', { body: { name: 'ci' } });
  assert.equal(created.status, 200, created.text);
  const { token, secret } = created.json as { token: { id: string; userId: string; lastUsedAt: string | null }; secret: string };
  assert.match(secret, /^mwt_[0-9a-f]{24}_[A-Za-z0-9_-]{43}$/);
  assert.ok(secret.includes(token.id));
  assert.equal(token.lastUsedAt, null);
  const bearer = { authorization: `Bearer ${secret}` };

  const session = await s.req('GET', '/api/v1/auth/session', { headers: bearer });
  assert.equal(session.status, 200);
  assert.equal((session.json as { user: { name: string } }).user.name, 'admin');
  // State-changing calls with a token need no CSRF token (no ambient credential to forge).
  const second = (await admin.call('POST', '/api/v1/tokens', { body: { name: 'second' } })).json as { token: { id: string } };
  const viaToken = await s.req('DELETE', `/api/v1/tokens/${second.token.id}`, { headers: bearer });
  assert.equal(viaToken.status, 200, viaToken.text);
  // But a token never creates tokens (a leaked one would leave successors behind).
  assert.equal(code(await s.req('POST', '/api/v1/tokens', { headers: bearer, body: { name: 'third' } })), 'session_required');
  const list = await s.req('GET', '/api/v1/tokens', { headers: bearer });
  const mine = (list.json as { id: string; lastUsedAt: string | null }[]).find((x) => x.id === token.id);
  assert.ok(mine?.lastUsedAt, 'lastUsedAt recorded');
  assert.ok(!list.text.includes(secret.slice(30)), 'the secret is never listed');

  const store = await openSqliteStore(join(s.dataDir, 'meshwork.db'));
  t.after(() => store.close());
  const rec = await store.getApiToken(token.id);
  assert.equal(rec?.secretHash, createHash('sha256').update(secret.slice(`mwt_${token.id}_`.length)).digest('hex'));

  const tampered = await s.req('GET', '/api/v1/auth/session', { headers: { authorization: `Bearer ${secret.slice(0, -2)}xx` } });
  assert.equal(tampered.status, 401);
  assert.equal(code(tampered), 'token_invalid');
  const garbage = await s.req('GET', '/api/v1/auth/session', { headers: { authorization: 'Bearer \u00ff\u00fe' } });
  assert.equal(code(garbage), 'token_invalid');

  assert.equal((await admin.call('DELETE', `/api/v1/tokens/${token.id}`)).status, 200);
  const revoked = await s.req('GET', '/api/v1/auth/session', { headers: bearer });
  assert.equal(revoked.status, 401);
  assert.equal(code(revoked), 'token_invalid');
  assert.equal(code(await admin.call('DELETE', `/api/v1/tokens/${token.id}`)), 'not_found');

  // Expired tokens are refused with their own code.
  const exp = await admin.call('POST', '/api/v1/tokens', { body: { name: 'short', expiresInDays: 1 } });
  const e = exp.json as { token: { id: string }; secret: string };
  const r = await store.getApiToken(e.token.id);
  assert.ok(r);
  await store.deleteApiToken(r.id);
  await store.createApiToken({ ...r, expiresAt: 1 });
  const expired = await s.req('GET', '/api/v1/auth/session', { headers: { authorization: `Bearer ${e.secret}` } });
  assert.equal(expired.status, 401);
  assert.equal(code(expired), 'token_expired');
});

test('tokens are per user: others cannot see or revoke them; only admins create for others', async (t) => {
  const { server: s, admin } = await startWithAdmin('admin', PW);
  t.after(async () => { await s.stop('SIGKILL'); removeDir(s.dataDir); });
  const bob = (await admin.call('POST', '/api/v1/users', { body: { name: 'bob', password: 'bob password 1' } })).json as { id: string };
  const adminToken = (await admin.call('POST', '/api/v1/tokens', { body: { name: 'admin-ci' } })).json as { token: { id: string } };
  const forBob = await admin.call('POST', '/api/v1/tokens', { body: { name: 'bob-ci', userId: bob.id } });
  assert.equal(forBob.status, 200);
  const bobSecret = (forBob.json as { secret: string }).secret;
  const bobHeaders = { authorization: `Bearer ${bobSecret}` };
  const bobList = (await s.req('GET', '/api/v1/tokens', { headers: bobHeaders })).json as { name: string }[];
  assert.deepEqual(bobList.map((x) => x.name), ['bob-ci']);
  assert.equal(code(await s.req('DELETE', `/api/v1/tokens/${adminToken.token.id}`, { headers: bobHeaders })), 'not_found');
  const adminId = ((await admin.call('GET', '/api/v1/auth/session')).json as { user: { id: string } }).user.id;
  const bobSession = new Browser(s);
  assert.equal((await bobSession.login('bob', 'bob password 1')).status, 200);
  const forAdmin = await bobSession.call('POST', '/api/v1/tokens', { body: { name: 'x', userId: adminId } });
  assert.equal(code(forAdmin), 'forbidden');
  assert.equal(((await admin.call('GET', '/api/v1/tokens')).json as unknown[]).length, 2, 'admins see all');
});

test('/metrics on the main port: site administrators only (session or token)', async (t) => {
  const { server: s, admin } = await startWithAdmin('admin', PW);
  t.after(async () => { await s.stop('SIGKILL'); removeDir(s.dataDir); });
  assert.equal(code(await s.req('GET', '/metrics')), 'unauthenticated');
  await admin.login('admin', PW);
  await new Browser(s).login('admin', 'wrong password');
  const m = await admin.call('GET', '/metrics');
  assert.equal(m.status, 200);
  assert.match(String(m.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  assert.match(m.text, /^meshwork_logins_total\{result="success"\} 1$/m);
  assert.match(m.text, /^meshwork_logins_total\{result="bad_credentials"\} 1$/m);
  assert.match(m.text, /^meshwork_http_requests_total\{method="POST"\} [1-9]\d*$/m);
  assert.match(m.text, /^meshwork_users 1$/m);
  assert.match(m.text, /^meshwork_devices 0$/m);
  assert.match(m.text, /^process_resident_memory_bytes \d+$/m);
  const tok = (await admin.call('POST', '/api/v1/tokens', { body: { name: 'prom' } })).json as { secret: string };
  assert.equal((await s.req('GET', '/metrics', { headers: { authorization: `Bearer ${tok.secret}` } })).status, 200);
  await admin.call('POST', '/api/v1/users', { body: { name: 'bob', password: 'bob password 1' } });
  const bob = new Browser(s);
  await bob.login('bob', 'bob password 1');
  const denied = await bob.call('GET', '/metrics');
  assert.equal(denied.status, 403);
  assert.equal(code(denied), 'forbidden');
});
