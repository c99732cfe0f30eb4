/**
 * Serving the web UI from a small fixture build (index.html + content-hashed assets), in-process
 * with fastify's inject and once through the real server process with --web-root.
 */
import { after, before, describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { testSystem, type TestSystem } from '../../domain/testkit/system.js';
import { removeDir, startServer } from '../../testing/server-process.js';
import { buildApp } from '../app.js';
import { handlers } from '../handlers/index.js';
import { pickEncoding } from './routes.js';
import { loadWebUi } from './web-root.js';

const INDEX = '<!doctype html><html><head><script type="module" src="/assets/index-AbC123.js"></script></head><body><div id="root"></div></body></html>';
const JS = `console.log(${JSON.stringify('meshwork '.repeat(400))});\n`;
const CSS = 'body{margin:0}\n';

function fixture(): string {
  const root = mkdtempSync(join(tmpdir(), 'mw-web-root-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), INDEX);
  writeFileSync(join(root, 'assets', 'index-AbC123.js'), JS);
  writeFileSync(join(root, 'assets', 'index-XyZ789.css'), CSS);
  writeFileSync(join(root, 'secret.txt'), 'not an asset');
  return root;
}

const CSP = /script-src 'self';.*object-src 'none'; base-uri 'none'; frame-ancestors 'none'/;

describe('web UI serving (in-process)', () => {
  let t: TestSystem;
  let app: FastifyInstance;
  let root: string;
  before(async () => {
    t = await testSystem();
    root = fixture();
    app = buildApp(t.sys, handlers, { web: loadWebUi(root) });
    await app.ready();
  });
  after(async () => {
    await app.close();
    await t.close();
    rmSync(root, { recursive: true, force: true });
  });
  const get = (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers });

  it('serves index.html for /, /setup and /login, uncached, with the strict CSP and no inline script', async () => {
    for (const url of ['/', '/setup', '/login', '/setup?x=1']) {
      const r = await get(url);
      assert.equal(r.statusCode, 200, url);
      assert.equal(r.body, INDEX);
      assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
      assert.equal(r.headers['cache-control'], 'no-store');
      assert.match(String(r.headers['content-security-policy']), CSP);
      assert.doesNotMatch(String(r.headers['content-security-policy']), /unsafe-inline|unsafe-eval/);
      assert.equal(r.headers['x-frame-options'], 'DENY');
    }
  });

  it('serves SPA routes to browsers (Accept: text/html), and JSON 404s to everything else', async () => {
    const html = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
    for (const url of ['/devices/abc/terminal', '/groups/xyz', '/users', '/account', '/events', '/run']) {
      const r = await get(url, html);
      assert.equal(r.statusCode, 200, url);
      assert.equal(r.body, INDEX);
      assert.equal(r.headers['cache-control'], 'no-store');
    }
    const api = await get('/api/v1/nothing-here', html);
    assert.equal(api.statusCode, 404);
    assert.deepEqual(api.json(), { code: 'not_found', message: 'Not found.' });
    assert.equal((await get('/devices/abc')).statusCode, 404, 'no text/html: not a page');
    assert.equal((await app.inject({ method: 'POST', url: '/users', headers: html })).statusCode, 404);
  });

  it('serves assets immutable with type, ETag and compression; 304 on a matching If-None-Match', async () => {
    const plain = await get('/assets/index-AbC123.js');
    assert.equal(plain.statusCode, 200);
    assert.equal(plain.body, JS);
    assert.equal(plain.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(plain.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.match(String(plain.headers.etag), /^"[A-Za-z0-9_-]{27}"$/);
    const br = await get('/assets/index-AbC123.js', { 'accept-encoding': 'gzip, deflate, br' });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(brotliDecompressSync(br.rawPayload).toString(), JS);
    assert.ok(br.rawPayload.length < JS.length / 4);
    const gz = await get('/assets/index-AbC123.js', { 'accept-encoding': 'gzip, br;q=0' });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(gz.rawPayload).toString(), JS);
    assert.notEqual(gz.headers.etag, br.headers.etag, 'each representation has its own validator');
    const again = await get('/assets/index-AbC123.js', { 'accept-encoding': 'br', 'if-none-match': String(br.headers.etag) });
    assert.equal(again.statusCode, 304);
    assert.equal(again.rawPayload.length, 0);
    const css = await get('/assets/index-XyZ789.css', { 'accept-encoding': 'br' });
    assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');
    assert.equal(css.headers['content-encoding'], undefined, 'tiny files go uncompressed');
    assert.equal(css.body, CSS);
  });

  it('serves only the built asset names: unknown files and traversal are JSON 404s', async () => {
    for (const url of [
      '/assets/missing.js', '/assets/../index.html', '/assets/..%2findex.html', '/assets/%2e%2e/secret.txt', '/assets/',
      '/assets/..%2f..%2fetc%2fpasswd', '/secret.txt', '/index.html/../secret.txt',
    ]) {
      const r = await get(url, { accept: 'application/json' });
      assert.equal(r.statusCode, 404, url);
      assert.equal(r.json<{ code: string }>().code, 'not_found', url);
      assert.doesNotMatch(r.body, /not an asset/);
    }
    const html = await get('/assets/..%2f..%2fsecret.txt', { accept: 'text/html' });
    assert.equal(html.statusCode, 404, 'asset paths never fall back to the page');
  });

  it('without a built UI the pages answer 503 with a plain page (no script); the API still works', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'mw-web-empty-'));
    const bare = buildApp(t.sys, handlers, { web: loadWebUi(empty) });
    try {
      for (const url of ['/', '/setup']) {
        const r = await bare.inject({ method: 'GET', url });
        assert.equal(r.statusCode, 503);
        assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
        assert.match(r.body, /npm run build/);
        assert.doesNotMatch(r.body, /<script|<style|style=/i);
      }
      assert.equal((await bare.inject({ method: 'GET', url: '/assets/index-AbC123.js' })).statusCode, 404);
      assert.equal((await bare.inject({ method: 'GET', url: '/api/v1/server' })).statusCode, 200);
    } finally {
      await bare.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

test('Accept-Encoding negotiation', () => {
  assert.equal(pickEncoding('gzip, deflate, br, zstd'), 'br');
  assert.equal(pickEncoding('gzip'), 'gzip');
  assert.equal(pickEncoding('br;q=0, gzip;q=0.5'), 'gzip');
  assert.equal(pickEncoding('identity'), null);
  assert.equal(pickEncoding(undefined), null);
  assert.equal(pickEncoding('BR'), 'br');
});

test('the real server serves the UI from --web-root, and the setup link opens the app page', async (t) => {
  const root = fixture();
  const s = await startServer({ args: ['--web-root', root] });
  t.after(async () => { await s.stop('SIGKILL'); removeDir(s.dataDir); rmSync(root, { recursive: true, force: true }); });
  const setupLine = s.lines.find((l) => l.startsWith('Setup: ')) ?? '';
  const link = new URL(setupLine.slice('Setup: '.length));
  assert.equal(link.pathname, '/setup');
  assert.match(link.hash, /^#token=[A-Za-z0-9_-]{43}$/);
  const page = await s.req('GET', link.pathname, { headers: { accept: 'text/html' } });
  assert.equal(page.status, 200);
  assert.equal(page.text, INDEX);
  assert.match(String(page.headers['content-security-policy']), CSP);
  const asset = await s.req('GET', '/assets/index-AbC123.js', { headers: { 'accept-encoding': 'br' } });
  assert.equal(asset.status, 200);
  assert.equal(asset.headers['content-encoding'], 'br');
  assert.equal(asset.headers['cache-control'], 'public, max-age=31536000, immutable');
  assert.equal((await s.req('GET', '/setup.js')).status, 404, 'the stopgap setup page is gone');
});

test('precompressed copies from the build are used when they inflate to the file, never served on their own', async () => {
  const root = fixture();
  const t = await testSystem();
  const { brotliCompressSync, gzipSync } = await import('node:zlib');
  // A genuine .br for the JS; a .gz that does not match the CSS (a stale build leftover).
  writeFileSync(join(root, 'assets', 'index-AbC123.js.br'), brotliCompressSync(Buffer.from(JS)));
  writeFileSync(join(root, 'assets', 'index-XyZ789.css.gz'), gzipSync(Buffer.from('body{margin:1px}\n')));
  const ui = loadWebUi(root);
  assert.ok(ui.assets.get('index-AbC123.js')?.precompressed.br, 'the matching .br is attached');
  assert.equal(ui.assets.get('index-XyZ789.css')?.precompressed.gzip, undefined, 'a .gz that does not inflate to the file is ignored');
  assert.equal(ui.assets.has('index-AbC123.js.br'), false);
  const app = buildApp(t.sys, handlers, { web: ui });
  try {
    const br = await app.inject({ method: 'GET', url: '/assets/index-AbC123.js', headers: { 'accept-encoding': 'br' } });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(brotliDecompressSync(br.rawPayload).toString(), JS);
    assert.equal((await app.inject({ method: 'GET', url: '/assets/index-AbC123.js.br' })).statusCode, 404);
  } finally {
    await app.close();
    await t.close();
    rmSync(root, { recursive: true, force: true });
  }
});
