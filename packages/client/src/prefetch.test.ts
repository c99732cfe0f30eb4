import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from './client.js';
import { ApiClientError } from './errors.js';
import { Prefetched } from './prefetch.js';
import type { FetchInit, FetchLike } from './types.js';

const user = { id: 'user_0001', name: 'alice', siteRights: ['admin'], disabled: false, totpEnabled: false, createdAt: '2026-01-01T00:00:00Z', lastLoginAt: null };
const session = { user, csrfToken: 'csrf-1', expiresAt: '2026-01-02T00:00:00Z' };

/** A fetch answering by path, recording every request. */
function server(answers: Record<string, unknown>, seen: { url: string; init: FetchInit }[]): FetchLike {
  return async (url, init) => {
    seen.push({ url, init });
    const body = answers[new URL(url, 'https://h').pathname];
    const status = body === undefined ? 404 : 200;
    const text = JSON.stringify(body ?? { code: 'not_found', message: 'Not found.' });
    return { status, ok: status === 200, headers: { get: () => null }, text: async () => text };
  };
}

test('the first call of a prefetched URL takes its answer, checked as usual; later calls fetch', async () => {
  const seen: { url: string; init: FetchInit }[] = [];
  const fetch = server({ '/api/v1/auth/session': session, '/api/v1/devices': [] }, seen);
  const prefetched = new Prefetched({ baseUrl: '', fetch, credentials: 'same-origin' });
  assert.equal((await prefetched.get('/api/v1/auth/session')).status, 200);
  void prefetched.get('/api/v1/devices');
  assert.equal(seen.length, 2);
  assert.deepEqual(seen[0]?.init, { method: 'GET', headers: { accept: 'application/json' }, credentials: 'same-origin' });

  const c = createClient({ baseUrl: '', fetch, credentials: 'same-origin', prefetched });
  assert.equal((await c.auth.session()).user.name, 'alice');
  assert.deepEqual(await c.devices.list({}), []);
  assert.equal(seen.length, 2, 'both answers came from the prefetch');
  await c.devices.list({});
  assert.equal(seen.length, 3, 'taken once only');
  assert.equal(seen[2]?.init.headers['x-csrf-token'], 'csrf-1', 'the prefetched session still set the CSRF token');
  await c.devices.list({ q: 'x' });
  assert.equal(seen[3]?.url, '/api/v1/devices?q=x');
});

test('a prefetched answer of the wrong shape is refused like any other', async () => {
  const fetch = server({ '/api/v1/devices': [{ id: 'not hex' }] }, []);
  const prefetched = new Prefetched({ baseUrl: 'https://h', fetch });
  void prefetched.get('/api/v1/devices');
  const c = createClient({ baseUrl: 'https://h', fetch, prefetched });
  await assert.rejects(c.devices.list(), (e: unknown) => e instanceof ApiClientError && e.code === 'bad_response');
});

test('an answer left too long is dropped; a failed prefetch fails the call that takes it', async () => {
  const seen: { url: string; init: FetchInit }[] = [];
  let clock = 0;
  const fetch = server({ '/api/v1/devices': [] }, seen);
  const prefetched = new Prefetched({ baseUrl: '', fetch, maxAgeMs: 1000, now: () => clock });
  void prefetched.get('/api/v1/devices');
  clock = 1001;
  await createClient({ baseUrl: '', fetch, prefetched }).devices.list();
  assert.equal(seen.length, 2, 'fetched afresh');

  const down: FetchLike = () => Promise.reject(new TypeError('fetch failed'));
  const failing = new Prefetched({ baseUrl: '', fetch: down });
  void failing.get('/api/v1/server');
  void failing.get('/api/v1/groups'); // never taken: its failure must not surface as an unhandled rejection
  await assert.rejects(createClient({ baseUrl: '', fetch, prefetched: failing }).server.info(), (e: unknown) => e instanceof ApiClientError && e.code === 'network_error');
  await new Promise((r) => setImmediate(r));
});

test('only GETs of a client without a bearer token take prefetched answers', async () => {
  const seen: { url: string; init: FetchInit }[] = [];
  const fetch = server({ '/api/v1/devices': [] }, seen);
  const prefetched = new Prefetched({ baseUrl: '', fetch });
  void prefetched.get('/api/v1/devices');
  await createClient({ baseUrl: '', fetch, token: 'mwt_x', prefetched }).devices.list();
  assert.equal(seen.length, 2);
  assert.equal(seen[1]?.init.headers.authorization, 'Bearer mwt_x');
});

test('a prefetched body is read at once, before anyone takes it', async () => {
  let read = false;
  const fetch: FetchLike = async () => ({ status: 200, ok: true, headers: { get: () => null }, text: async () => ((read = true), '[]') });
  const prefetched = new Prefetched({ baseUrl: '', fetch });
  await prefetched.get('/api/v1/devices');
  assert.equal(read, true);
  assert.deepEqual(await createClient({ baseUrl: '', fetch: () => Promise.reject(new Error('not used')), prefetched }).devices.list(), []);
});

test('any call other than a GET drops what was prefetched (a login or a change may make it stale)', async () => {
  const seen: { url: string; init: FetchInit }[] = [];
  const fetch = server({ '/api/v1/devices': [], '/api/v1/auth/logout': { ok: true } }, seen);
  const prefetched = new Prefetched({ baseUrl: '', fetch });
  void prefetched.get('/api/v1/devices');
  const c = createClient({ baseUrl: '', fetch, prefetched });
  await c.auth.logout();
  await c.devices.list();
  assert.deepEqual(seen.map((s) => `${s.init.method} ${s.url}`), ['GET /api/v1/devices', 'POST /api/v1/auth/logout', 'GET /api/v1/devices']);
});
