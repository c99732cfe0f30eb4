/**
 * Passkeys: registration, username-less login and every refusal, with a software authenticator
 * and the real verifier. In-process against a real System (SQLite), and once over real HTTPS.
 */
import { after, before, describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { endpoints, SITE_RIGHTS, type EndpointName, type RequestOf, type ResponseOf } from '@meshwork/protocol';
import type { UserRecord } from '@meshwork/store';
import { relyingParty } from '../../auth/passkeys.js';
import { SoftAuthenticator } from '../../auth/testing/soft-authenticator.js';
import { ApiError } from '../../errors.js';
import { addUser, call, errorCode, principalOf, sessionOf, testSystem, type TestSystem } from '../../domain/testkit/system.js';
import { Browser, removeDir, startWithAdmin } from '../../testing/server-process.js';
import type { Principal } from '../../system.js';
import type { RequestContext } from '../handler.js';
import { handlers } from './index.js';

const ORIGIN = 'https://meshwork.test:8443'; // the test System's public URL
type Options = Record<string, unknown>;

interface Sent {
  origin?: string;
  ip?: string;
  cookies?: Record<string, string>;
}

/** Runs a handler as the app does, with the request's Origin; returns the result and cookies set. */
async function send<N extends EndpointName>(t: TestSystem, name: N, principal: Principal | null, input: Partial<RequestOf<N>>, s: Sent = {}): Promise<ResponseOf<N> & { setCookies: string[] }> {
  const def = endpoints[name];
  const setCookies: string[] = [];
  const ctx = {
    sys: t.sys, principal, ip: s.ip ?? '192.0.2.10', userAgent: 'soft-authenticator', cookies: s.cookies ?? {},
    origin: 'origin' in s ? s.origin : ORIGIN, host: 'meshwork.test:8443',
    params: 'params' in def && def.params ? def.params.parse(input.params ?? {}) : undefined,
    query: undefined,
    body: 'body' in def && def.body ? def.body.parse(input.body) : undefined,
    reply: { setCookie: (n: string, v: string) => void setCookies.push(`${n}=${v}`), clearCookie: () => {} },
  } as unknown as RequestContext<N>;
  const h = handlers[name] as unknown as (c: RequestContext<N>) => Promise<unknown>;
  const result = def.response.parse(await h(ctx)) as ResponseOf<N>;
  return Object.assign(Array.isArray(result) ? [...result] : { ...(result as object) }, { setCookies }) as ResponseOf<N> & { setCookies: string[] };
}

async function register(t: TestSystem, auth: SoftAuthenticator, user: UserRecord, name = 'laptop'): Promise<{ id: string; name: string }> {
  const p = sessionOf(t.sys, user);
  const begin = await send(t, 'account.passkeyRegisterBegin', p, {});
  const response = auth.create(begin.options);
  return send(t, 'account.passkeyRegisterFinish', p, { body: { challengeId: begin.challengeId, name, response } });
}

async function loginBegin(t: TestSystem, s: Sent = {}): Promise<{ challengeId: string; options: Options }> {
  return send(t, 'auth.passkeyBegin', null, {}, s);
}

describe('passkeys (in-process, real store and verifier)', () => {
  let t: TestSystem;
  let alice: UserRecord;
  let auth: SoftAuthenticator;
  before(async () => {
    t = await testSystem();
    alice = await addUser(t.sys, 'alice');
    auth = new SoftAuthenticator(ORIGIN);
    await register(t, auth, alice);
  });
  after(() => t.close());

  it('registers a discoverable credential with the requested options and lists it', async () => {
    const begin = await send(t, 'account.passkeyRegisterBegin', sessionOf(t.sys, alice), {});
    const o = begin.options as { rp: { id: string }; attestation: string; authenticatorSelection: Options; excludeCredentials: Array<{ id: string }> };
    assert.equal(o.rp.id, 'meshwork.test');
    assert.equal(o.attestation, 'none');
    assert.equal(o.authenticatorSelection.residentKey, 'required');
    assert.equal(o.authenticatorSelection.userVerification, 'preferred');
    assert.deepEqual(o.excludeCredentials.map((c) => c.id), [auth.credentials[0]?.id], 'existing passkeys are excluded');
    const list = await call(t.sys, 'account.passkeys', principalOf(alice));
    assert.deepEqual(list.map((k) => [k.name, k.lastUsedAt]), [['laptop', null]]);
    const events = await t.sys.store.listEvents({ type: 'account.passkeyRegistered', limit: 5 });
    assert.equal(events.length, 1);
  });

  it('logs in without a user name, starts a session and records the login', async () => {
    const begin = await loginBegin(t);
    assert.equal(begin.options.rpId, 'meshwork.test');
    assert.deepEqual(begin.options.allowCredentials, []);
    assert.equal(begin.options.userVerification, 'required');
    const r = await send(t, 'auth.passkeyFinish', null, { body: { challengeId: begin.challengeId, response: auth.get(begin.options) } });
    assert.equal(r.user.name, 'alice');
    assert.equal(r.setCookies.length, 1);
    assert.match(r.setCookies[0] ?? '', /^mw_session=[A-Za-z0-9_-]{43}$/);
    const login = (await t.sys.store.listEvents({ type: 'auth.login', limit: 1 }))[0];
    assert.equal(login?.data.method, 'passkey');
    const [pk] = await t.sys.store.listPasskeysOfUser(alice.id);
    assert.equal(pk?.counter, auth.credentials[0]?.counter);
    assert.notEqual(pk?.lastUsedAt, null);
  });

  it('a challenge works once and for two minutes; a login challenge cannot register', async () => {
    const begin = await loginBegin(t);
    const response = auth.get(begin.options);
    await send(t, 'auth.passkeyFinish', null, { body: { challengeId: begin.challengeId, response } });
    const replay = send(t, 'auth.passkeyFinish', null, { body: { challengeId: begin.challengeId, response } });
    assert.equal(await errorCode(replay), 'passkey_challenge_invalid');
    const late = await loginBegin(t);
    t.advance(2 * 60_000);
    assert.equal(await errorCode(send(t, 'auth.passkeyFinish', null, { body: { challengeId: late.challengeId, response: auth.get(late.options) } })), 'passkey_challenge_invalid');
    const wrongPurpose = await loginBegin(t);
    const reg = send(t, 'account.passkeyRegisterFinish', sessionOf(t.sys, alice), { body: { challengeId: wrongPurpose.challengeId, name: 'x', response: {} } });
    assert.equal(await errorCode(reg), 'passkey_challenge_invalid');
  });

  it('refuses a foreign Origin header, another origin in clientData, another RP ID and no user verification', async () => {
    assert.equal(await errorCode(loginBegin(t, { origin: 'https://evil.example' })), 'origin_rejected');
    assert.equal(await errorCode(loginBegin(t, { origin: undefined })), 'origin_rejected');
    assert.throws(() => relyingParty(t.sys, 'https://a b', 'a b'), (e) => e instanceof ApiError && e.code === 'origin_rejected');
    assert.deepEqual(relyingParty(t.sys, 'https://localhost:9443', 'localhost:9443'), { origin: 'https://localhost:9443', rpId: 'localhost' });
    const cases: Array<[string, Parameters<SoftAuthenticator['get']>[1]]> = [
      ['clientData origin', { origin: 'https://evil.example' }],
      ['rp id', { rpId: 'evil.example' }],
      ['user verification', { userVerified: false }],
    ];
    for (const [what, o] of cases) {
      const begin = await loginBegin(t);
      const r = send(t, 'auth.passkeyFinish', null, { body: { challengeId: begin.challengeId, response: auth.get(begin.options, o) } }, { ip: '198.51.100.1' });
      assert.equal(await errorCode(r), 'passkey_rejected', what);
    }
    const begin = await send(t, 'account.passkeyRegisterBegin', sessionOf(t.sys, alice), {});
    const foreign = auth.create(begin.options, { origin: 'https://evil.example' });
    auth.credentials.pop();
    const r = send(t, 'account.passkeyRegisterFinish', sessionOf(t.sys, alice), { body: { challengeId: begin.challengeId, name: 'evil', response: foreign } });
    assert.equal(await errorCode(r), 'passkey_rejected');
    assert.equal((await t.sys.store.listPasskeysOfUser(alice.id)).length, 1);
  });

  it('refuses a signature counter that goes backwards, but accepts authenticators without a counter', async () => {
    const cloned = auth.credentials[0];
    const stored = (await t.sys.store.listPasskeysOfUser(alice.id))[0]?.counter ?? 0;
    assert.ok(cloned && stored > 1);
    for (const back of [2, 1]) {
      cloned.counter = stored - back; // the next assertion carries stored - back + 1: lower, then equal
      const begin = await loginBegin(t);
      const r = send(t, 'auth.passkeyFinish', null, { body: { challengeId: begin.challengeId, response: auth.get(begin.options) } }, { ip: '198.51.100.2' });
      assert.equal(await errorCode(r), 'passkey_rejected');
    }
    cloned.counter = stored;

    const bob = await addUser(t.sys, 'bob');
    const noCounter = new SoftAuthenticator(ORIGIN, 0);
    await register(t, noCounter, bob);
    for (let i = 0; i < 2; i++) {
      const b = await loginBegin(t);
      const ok = await send(t, 'auth.passkeyFinish', null, { body: { challengeId: b.challengeId, response: noCounter.get(b.options) } });
      assert.equal(ok.user.name, 'bob');
    }
  });

  it('refuses a disabled user and an unknown credential', async () => {
    const carol = await addUser(t.sys, 'carol');
    const a = new SoftAuthenticator(ORIGIN);
    await register(t, a, carol);
    await t.sys.store.updateUser(carol.id, { disabled: true });
    const b1 = await loginBegin(t);
    assert.equal(await errorCode(send(t, 'auth.passkeyFinish', null, { body: { challengeId: b1.challengeId, response: a.get(b1.options) } })), 'account_disabled');
    await t.sys.store.deletePasskeysOfUser(carol.id);
    const b2 = await loginBegin(t);
    assert.equal(await errorCode(send(t, 'auth.passkeyFinish', null, { body: { challengeId: b2.challengeId, response: a.get(b2.options) } })), 'passkey_unknown');
  });

  it('counts refusals into the per-network login throttle', async () => {
    const ip = '203.0.113.9';
    for (let i = 0; i < t.sys.config.loginMaxFailures; i++) {
      const r = send(t, 'auth.passkeyFinish', null, { body: { challengeId: `unknown-challenge-${i}`, response: {} } }, { ip });
      assert.equal(await errorCode(r), 'passkey_challenge_invalid');
    }
    assert.equal(await errorCode(loginBegin(t, { ip })), 'too_many_attempts');
    const failed = await t.sys.store.listEvents({ type: 'auth.loginFailed', limit: 100 });
    assert.ok(failed.some((e) => e.data.reason === 'passkey_challenge_invalid'));
  });

  it('deletes only own passkeys: another user’s answers not_found', async () => {
    const dave = await addUser(t.sys, 'dave');
    const a = new SoftAuthenticator(ORIGIN);
    const mine = await register(t, a, dave, 'phone');
    const [alices] = await t.sys.store.listPasskeysOfUser(alice.id);
    assert.ok(alices);
    assert.equal(await errorCode(call(t.sys, 'account.passkeyDelete', sessionOf(t.sys, dave), { params: { id: alices.id } })), 'not_found');
    assert.equal((await t.sys.store.listPasskeysOfUser(alice.id)).length, 1);
    assert.equal(await errorCode(call(t.sys, 'account.passkeyDelete', sessionOf(t.sys, dave), { params: { id: 'no-such-passkey' } })), 'not_found');
    assert.deepEqual(await call(t.sys, 'account.passkeyDelete', sessionOf(t.sys, dave), { params: { id: mine.id } }), { ok: true });
    assert.deepEqual(await call(t.sys, 'account.passkeys', principalOf(dave)), []);
    assert.equal((await t.sys.store.listEvents({ type: 'account.passkeyDeleted', limit: 5 })).length, 1);
  });

  it('an administrator’s "reset 2FA" also removes the user’s passkeys', async () => {
    const admin = await addUser(t.sys, 'root', SITE_RIGHTS.admin);
    const erin = await addUser(t.sys, 'erin');
    const a = new SoftAuthenticator(ORIGIN);
    await register(t, a, erin, 'one');
    await register(t, a, erin, 'two');
    await call(t.sys, 'users.update', principalOf(admin), { params: { id: erin.id }, body: { resetTotp: true } });
    assert.deepEqual(await t.sys.store.listPasskeysOfUser(erin.id), []);
    const ev = (await t.sys.store.listEvents({ type: 'user.updated', limit: 1 }))[0];
    assert.equal(ev?.data.passkeysRemoved, 2);
    const b = await loginBegin(t);
    assert.equal(await errorCode(send(t, 'auth.passkeyFinish', null, { body: { challengeId: b.challengeId, response: a.get(b.options) } })), 'passkey_unknown');
  });
});

test('passkeys over HTTPS: register, then a username-less login sets the session cookie', async (t) => {
  const { server: s, admin } = await startWithAdmin('admin', 'correct horse battery');
  t.after(async () => { await s.stop('SIGKILL'); removeDir(s.dataDir); });
  const origin = `https://localhost:${s.port}`;
  const headers = { origin, host: `localhost:${s.port}` };
  const auth = new SoftAuthenticator(origin);
  const begin = await admin.call('POST', '/api/v1/account/passkeys/register/begin', { headers });
  assert.equal(begin.status, 200, begin.text);
  const { challengeId, options } = begin.json as { challengeId: string; options: Options };
  const done = await admin.call('POST', '/api/v1/account/passkeys/register/finish', { headers, body: { challengeId, name: 'soft key', response: auth.create(options) } });
  assert.equal(done.status, 200, done.text);

  const b = new Browser(s);
  const lb = await b.call('POST', '/api/v1/auth/passkey/begin', { headers });
  assert.equal(lb.status, 200, lb.text);
  const l = lb.json as { challengeId: string; options: Options };
  const fin = await b.call('POST', '/api/v1/auth/passkey/finish', { headers, body: { challengeId: l.challengeId, response: auth.get(l.options) } });
  assert.equal(fin.status, 200, fin.text);
  assert.match(String(fin.headers['set-cookie']), /^mw_session=[A-Za-z0-9_-]{43}; Path=\/; Secure; SameSite=Strict; HttpOnly/);
  assert.equal((await b.call('GET', '/api/v1/auth/session')).status, 200);
  const list = await b.call('GET', '/api/v1/account/passkeys');
  assert.deepEqual((list.json as Array<{ name: string }>).map((k) => k.name), ['soft key']);
  const evil = await new Browser(s).call('POST', '/api/v1/auth/passkey/begin', { headers: { origin: 'https://evil.example' } });
  assert.equal((evil.json as { code: string }).code, 'origin_rejected');
});
