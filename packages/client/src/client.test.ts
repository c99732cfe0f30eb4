import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from './client.js';
import { ApiClientError } from './errors.js';
import type { FetchInit, FetchLike, FetchResponse } from './types.js';

const HEX = 'ab'.repeat(48);
const user = { id: 'user_0001', name: 'alice', siteRights: ['admin'], disabled: false, totpEnabled: false, createdAt: '2026-01-01T00:00:00Z', lastLoginAt: null };
const group = { id: HEX, name: 'Office', description: '', createdAt: '2026-01-01T00:00:00Z', myRights: ['full'], links: [], tokensOnly: false };

interface Seen {
  url: string;
  init: FetchInit;
}

function fake(status: number, body: string | object, seen: Seen[] = []): FetchLike {
  return async (url, init) => {
    seen.push({ url, init });
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const res: FetchResponse = { status, ok: status >= 200 && status < 300, headers: { get: () => null }, text: async () => text };
    return res;
  };
}

test('GET with a path parameter sends the bearer token and no body', async () => {
  const seen: Seen[] = [];
  const c = createClient({ baseUrl: 'https://h:8443/', token: 'mwt_x', fetch: fake(200, user, seen) });
  const u = await c.users.get({ id: 'user_0001' });
  assert.equal(u.name, 'alice');
  assert.equal(seen[0]?.url, 'https://h:8443/api/v1/users/user_0001');
  assert.equal(seen[0]?.init.method, 'GET');
  assert.equal(seen[0]?.init.headers.authorization, 'Bearer mwt_x');
  assert.equal(seen[0]?.init.body, undefined);
  assert.equal(seen[0]?.init.headers['content-type'], undefined);
});

test('query parameters are built from the flat input and the low-level call', async () => {
  const seen: Seen[] = [];
  const c = createClient({ baseUrl: 'https://h', fetch: fake(200, [], seen) });
  await c.events.list({ deviceId: HEX, limit: 5 });
  await c.call('devices.list', { query: { q: 'a b', groupId: undefined } });
  assert.equal(seen[0]?.url, `https://h/api/v1/events?deviceId=${HEX}&limit=5`);
  assert.equal(seen[1]?.url, 'https://h/api/v1/devices?q=a+b');
});

test('a JSON body is sent with its content type and the CSRF header', async () => {
  const seen: Seen[] = [];
  const c = createClient({ baseUrl: 'https://h', csrfToken: 'csrf1', credentials: 'include', fetch: fake(200, group, seen) });
  const g = await c.groups.create({ name: 'Office' });
  assert.equal(g.id, HEX);
  assert.equal(seen[0]?.init.method, 'POST');
  assert.equal(seen[0]?.init.body, '{"name":"Office"}');
  assert.equal(seen[0]?.init.headers['content-type'], 'application/json');
  assert.equal(seen[0]?.init.headers['x-csrf-token'], 'csrf1');
  assert.equal(seen[0]?.init.credentials, 'include');
  assert.equal(seen[0]?.init.headers.authorization, undefined);
});

test('an endpoint whose body fields are all optional still sends a JSON object; one without a body sends none', async () => {
  const seen: Seen[] = [];
  const c = createClient({ baseUrl: 'https://h', fetch: fake(200, { ok: true }, seen) });
  await c.auth.logout();
  assert.equal(seen[0]?.init.body, undefined);
  await c.call('groups.createEnrolmentToken', { params: { id: HEX }, body: {} }).catch(() => undefined);
  assert.equal(seen[1]?.init.body, '{}');
  assert.equal(seen[1]?.url, `https://h/api/v1/groups/${HEX}/enrolment-tokens`);
});

test('a login remembers the session CSRF token for later calls', async () => {
  const seen: Seen[] = [];
  let n = 0;
  const f: FetchLike = async (url, init) => fake(200, n++ === 0 ? { user, csrfToken: 'fromlogin', expiresAt: 'x' } : [], seen)(url, init);
  const c = createClient({ baseUrl: '', fetch: f });
  await c.auth.login({ name: 'alice', password: 'secretpassword' });
  await c.users.list();
  assert.equal(seen[0]?.init.headers['x-csrf-token'], undefined);
  assert.equal(seen[1]?.init.headers['x-csrf-token'], 'fromlogin');
  assert.equal(seen[1]?.url, '/api/v1/users');
});

async function failure(p: Promise<unknown>): Promise<ApiClientError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ApiClientError, `expected ApiClientError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the call to fail');
}

test('error bodies become ApiClientError with status, code, message and details', async () => {
  const c = createClient({ baseUrl: 'https://h', fetch: fake(400, { code: 'validation_failed', message: 'body.name: too short', details: [{ path: 'body.name' }] }) });
  const e = await failure(c.groups.create({ name: '' }));
  assert.equal(e.status, 400);
  assert.equal(e.code, 'validation_failed');
  assert.equal(e.message, 'body.name: too short');
  assert.deepEqual(e.details, [{ path: 'body.name' }]);
});

test('non-JSON answers, wrong shapes and transport failures get their own codes', async () => {
  const html = await failure(createClient({ baseUrl: 'https://h', fetch: fake(502, '<html>bad gateway</html>') }).users.list());
  assert.equal(html.code, 'bad_response');
  assert.equal(html.status, 502);
  const notJson = await failure(createClient({ baseUrl: 'https://h', fetch: fake(200, 'hello') }).users.list());
  assert.equal(notJson.code, 'bad_response');
  const shape = await failure(createClient({ baseUrl: 'https://h', fetch: fake(200, { not: 'a list' }) }).users.list());
  assert.equal(shape.code, 'bad_response');
  assert.match(shape.message, /unexpected response shape/);
  const down: FetchLike = async () => {
    throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:1') });
  };
  const net = await failure(createClient({ baseUrl: 'https://127.0.0.1:1', fetch: down }).users.list());
  assert.equal(net.code, 'network_error');
  assert.equal(net.status, 0);
  assert.match(net.message, /ECONNREFUSED/);
});

test('the device list goes through its fast parser: unknown keys dropped, malformed devices refused', async () => {
  const device = { id: HEX, name: 'kiosk-1', groupId: HEX, online: true, lastSeen: null, tags: ['lab'], notes: '', os: null, createdAt: '2026-01-01T00:00:00Z' };
  const list = await createClient({ baseUrl: 'https://h', fetch: fake(200, [{ ...device, secret: 'x' }]) }).devices.list();
  assert.deepEqual(list, [device]);
  for (const bad of [{ ...device, id: 'AB'.repeat(48) }, { ...device, tags: [1] }, { ...device, name: 'x'.repeat(257) }, { ...device, online: undefined }]) {
    const e = await failure(createClient({ baseUrl: 'https://h', fetch: fake(200, [device, bad]) }).devices.list());
    assert.equal(e.code, 'bad_response');
    assert.equal((e.details as { path: unknown[] }[])[0]?.path[0], 1);
  }
});

// Compile-time checks: the request types come from the endpoint table.
export function typeChecks(): void {
  const c = createClient({ baseUrl: '' });
  // @ts-expect-error users.get needs its id
  void c.users.get();
  // @ts-expect-error the rights must be names from GROUP_RIGHTS
  void c.groups.setRights({ id: HEX, subjectId: 'x', rights: ['fly'] });
  // @ts-expect-error path params are required in the low-level form
  void c.call('users.delete', {});
  void c.call('users.list');
  void c.devices.list();
}

test('a binary endpoint answers bytes; its errors are still {code, message}', async () => {
  const seen: Seen[] = [];
  const bytes = new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0]);
  const ok: FetchLike = async (url, init) => {
    seen.push({ url, init });
    return { status: 200, ok: true, headers: { get: () => null }, text: async () => 'not read', arrayBuffer: async () => bytes.buffer.slice(0) };
  };
  const c = createClient({ baseUrl: 'https://h', fetch: ok });
  const got = await c.agent.download({ platform: 'linux-arm64', link: 'linux-arm64.1.x' });
  assert.deepEqual([...got], [...bytes]);
  assert.equal(seen[0]?.url, 'https://h/api/v1/agent/packages/linux-arm64?link=linux-arm64.1.x');
  assert.equal(seen[0]?.init.headers.accept, 'application/octet-stream, application/json');
  const refused = createClient({ baseUrl: 'https://h', fetch: fake(403, { code: 'link_invalid', message: 'The download link is invalid or has expired.' }) });
  await assert.rejects(refused.agent.download({ platform: 'linux-x64' }), (e: unknown) => e instanceof ApiClientError && e.code === 'link_invalid' && e.status === 403);
});
