/**
 * Bodies are read only after authentication: a request without credentials to an endpoint that
 * needs a login is refused when its head arrives, whatever it sends after; endpoints without
 * login (login, setup, passkey login) take at most 16 KiB. Against the real server process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:tls';
import { removeDir, startWithAdmin, type ServerProc } from '../testing/server-process.js';

/**
 * Sends a request head announcing `declared` body bytes and then only the first `sent` of them,
 * and resolves with the response's status and JSON body — never sending the rest.
 */
function partialPost(s: ServerProc, path: string, declared: number, sent: number): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: '127.0.0.1', port: s.port, ca: s.ca, servername: 'localhost' }, () => {
      sock.write(`POST ${path} HTTP/1.1\r\nhost: 127.0.0.1:${s.port}\r\ncontent-type: application/json\r\ncontent-length: ${declared}\r\n\r\n`);
      sock.write(Buffer.alloc(sent, 0x20));
    });
    let text = '';
    const guard = setTimeout(() => { sock.destroy(); reject(new Error(`no answer within 10 s (got ${JSON.stringify(text.slice(0, 200))})`)); }, 10_000);
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      text += d;
      const head = text.indexOf('\r\n\r\n');
      const len = Number(/content-length: (\d+)/i.exec(text)?.[1] ?? -1);
      if (head < 0 || len < 0 || text.length < head + 4 + len) return;
      clearTimeout(guard);
      sock.destroy();
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), body: JSON.parse(text.slice(head + 4, head + 4 + len)) as unknown });
    });
    sock.on('error', (e) => { clearTimeout(guard); reject(e); });
  });
}

test('a request without credentials to a login-only endpoint is refused before its body is read', async (t) => {
  const { server: s } = await startWithAdmin();
  t.after(async () => { await s.stop('SIGKILL'); removeDir(s.dataDir); });
  // 900 KB announced (under the 1 MiB limit), 1 KB sent: the answer must not wait for the rest.
  const r = await partialPost(s, '/api/v1/users', 900_000, 1024);
  assert.equal(r.status, 401);
  assert.equal((r.body as { code: string }).code, 'unauthenticated');
  // 10 MB announced: still "log in first", not a judgement on a body nobody may send here.
  const big = await partialPost(s, '/api/v1/tokens', 10 * 1024 * 1024, 64 * 1024);
  assert.equal(big.status, 401);
  assert.equal((big.body as { code: string }).code, 'unauthenticated');
  assert.equal((await s.req('GET', '/api/v1/server')).status, 200, 'the server still answers');
});

test('endpoints without login take at most 16 KiB', async (t) => {
  const { server: s } = await startWithAdmin();
  t.after(async () => { await s.stop('SIGKILL'); removeDir(s.dataDir); });
  const json = { 'content-type': 'application/json' };
  for (const path of ['/api/v1/auth/login', '/api/v1/setup', '/api/v1/auth/passkey/finish']) {
    const r = await s.req('POST', path, { raw: JSON.stringify({ name: 'admin', password: 'x'.repeat(100 * 1024) }), headers: json });
    assert.equal(r.status, 413, `${path}: ${r.text}`);
    assert.equal((r.json as { code: string }).code, 'payload_too_large');
  }
  const ok = await s.req('POST', '/api/v1/auth/login', { raw: JSON.stringify({ name: 'admin', password: 'correct horse battery' }), headers: json });
  assert.equal(ok.status, 200, ok.text);
});
