/** Bad input of every kind gets a stable `{code, message}` and the server keeps serving. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { removeDir, startWithAdmin, type Reply } from '../testing/server-process.js';

const PW = 'correct horse battery';
const isErrorBody = (r: Reply, code: string, status: number): void => {
  assert.equal(r.status, status, r.text);
  const b = r.json as { code: string; message: string };
  assert.equal(b.code, code);
  assert.equal(typeof b.message, 'string');
  assert.ok(b.message.length > 0);
};

/** Parses a raw HTTP response into status and JSON body. */
const parseRaw = (text: string): { status: number; body: unknown } => {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
  const body = text.slice(text.indexOf('\r\n\r\n') + 4);
  return { status, body: JSON.parse(body) as unknown };
};

test('malformed bodies, wrong types, oversized bodies, unknown fields, bad UTF-8', async (t) => {
  const { server: s, admin } = await startWithAdmin('admin', PW);
  t.after(async () => { await s.stop('SIGKILL'); removeDir(s.dataDir); });
  const login = '/api/v1/auth/login';
  const json = { 'content-type': 'application/json' };
  isErrorBody(await s.req('POST', login, { raw: '{"name": "admin", "password": ', headers: json }), 'bad_request', 400);
  isErrorBody(await s.req('POST', login, { raw: 'name=admin&password=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 'unsupported_media_type', 415);
  isErrorBody(await s.req('POST', login, { raw: '{}', headers: { 'content-type': 'text/plain' } }), 'unsupported_media_type', 415);
  isErrorBody(await s.req('POST', login, { raw: JSON.stringify({ name: 'a', password: 'x'.repeat(1024 * 1024 + 10) }), headers: json }), 'payload_too_large', 413);
  isErrorBody(await s.req('POST', login, { body: { name: 'admin', password: PW, admin: true } }), 'validation_failed', 400);
  isErrorBody(await s.req('POST', login, { body: { name: 'admin', password: 12345678 } }), 'validation_failed', 400);
  isErrorBody(await s.req('POST', login, { body: ['admin', PW] }), 'validation_failed', 400);
  isErrorBody(await s.req('POST', login, { raw: '{"__proto__": {"x": 1}, "name": "admin", "password": "p"}', headers: json }), 'bad_request', 400);
  const badUtf8 = Buffer.concat([Buffer.from('{"name": "adm'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(`in", "password": "${PW}"}`)]);
  isErrorBody(await s.req('POST', login, { raw: badUtf8, headers: json }), 'bad_request', 400);
  isErrorBody(await s.req('POST', login, { raw: '', headers: json }), 'validation_failed', 400);
  isErrorBody(await admin.call('GET', '/api/v1/events?limit=abc'), 'validation_failed', 400);
  isErrorBody(await admin.call('GET', '/api/v1/users/..%2f..%2fetc'), 'validation_failed', 400);
  isErrorBody(await admin.call('GET', '/api/v1/users/%ff%fe'), 'bad_request', 400);
  isErrorBody(await s.req('GET', '/api/v1/nothing-here'), 'not_found', 404);
  isErrorBody(await s.req('DELETE', '/api/v1/server'), 'not_found', 404);
  assert.equal((await s.req('GET', '/api/v1/server')).status, 200, 'still serving');
});

test('deeply nested JSON is refused before the parser runs (one such body stalled the whole server for seconds)', async (t) => {
  const { server: s, admin } = await startWithAdmin('admin', PW);
  t.after(async () => { await s.stop('SIGKILL'); removeDir(s.dataDir); });
  const depth = 500_000; // 1 MB of brackets, under the 1 MiB body limit of authenticated routes
  const nested = '['.repeat(depth) + ']'.repeat(depth);
  const r = await admin.call('POST', '/api/v1/groups', { raw: nested, headers: { 'content-type': 'application/json' } });
  isErrorBody(r, 'bad_request', 400);
  assert.match((r.json as { message: string }).message, /nested deeper than 64 levels/);
  const shallow = await admin.call('POST', '/api/v1/groups', { raw: JSON.stringify({ name: 'Nested ok', description: '[[[{}]]]' }), headers: { 'content-type': 'application/json' } });
  assert.equal(shallow.status, 200, shallow.text);
  assert.equal((await s.req('GET', '/api/v1/server')).status, 200, 'still serving');
});

test('huge and garbage cookies and headers', async (t) => {
  const { server: s, admin } = await startWithAdmin('admin', PW);
  t.after(async () => { await s.stop('SIGKILL'); removeDir(s.dataDir); });
  const session = '/api/v1/auth/session';
  isErrorBody(await s.req('GET', session, { headers: { cookie: `mw_session=${'a'.repeat(8000)}` } }), 'unauthenticated', 401);
  isErrorBody(await s.req('GET', session, { headers: { cookie: 'mw_session=\u00ff\u00fe; ;;=;mw_session' } }), 'unauthenticated', 401);
  isErrorBody(await s.req('GET', session, { headers: { cookie: `${admin.cookie}; mw_session=evil` } }), 'unauthenticated', 401);
  isErrorBody(await s.req('GET', session, { headers: { authorization: 'Basic YWRtaW46cGFzcw==' } }), 'token_invalid', 401);
  isErrorBody(await s.req('GET', session, { headers: { 'x-csrf-token': '\u00ff'.repeat(100), origin: '\u00fe' } }), 'unauthenticated', 401);
  // A write with a garbage Origin is refused before anything else.
  isErrorBody(await admin.call('POST', '/api/v1/tokens', { body: { name: 'x' }, headers: { origin: '\u00e9vil' } }), 'origin_rejected', 403);

  // Heads the HTTP parser refuses never reach a route, and still get the error shape.
  const huge = parseRaw(await s.raw(`GET /api/v1/server HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'b'.repeat(40_000)}\r\n\r\n`));
  assert.equal(huge.status, 431);
  assert.deepEqual(huge.body, { code: 'headers_too_large', message: 'The request headers are too large.' });
  const hugeCookie = parseRaw(await s.raw(`GET /api/v1/server HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${'c=1; '.repeat(5000)}\r\n\r\n`));
  assert.equal(hugeCookie.status, 431);
  const garbage = parseRaw(await s.raw('GET /api/v1/server HTTP/1.1\r\nHost: 127.0.0.1\r\nBad\x00Header: x\r\n\r\n'));
  assert.equal(garbage.status, 400);
  assert.equal((garbage.body as { code: string }).code, 'bad_request');
  const notHttp = parseRaw(await s.raw('\x16\x03\x01garbage that is not http\r\n\r\n'));
  assert.equal(notHttp.status, 400);
  assert.equal((await s.req('GET', '/api/v1/server')).status, 200, 'still serving');
  assert.equal((await admin.call('GET', session)).status, 200, 'sessions unaffected');
});
