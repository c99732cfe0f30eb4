/** The real server process: identity on first start, restart, user certificates, signals, fatal errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:https';
import { BIN, removeDir, startServer, tempDataDir } from './testing/server-process.js';
import { identityPaths, loadIdentity } from './identity/identity.js';

const identityFiles = (dir: string): Record<string, string> => {
  const p = identityPaths(dir);
  return Object.fromEntries([p.agentKey, p.caCert, p.caKey, p.httpsCert, p.httpsKey].map((f) => [f, readFileSync(f, 'utf8')]));
};

test('first start generates the identity, prints a setup link and serves GET /api/v1/server', async (t) => {
  const dir = tempDataDir();
  const s = await startServer({ dataDir: dir });
  t.after(async () => { await s.stop('SIGKILL'); removeDir(dir); });
  assert.match(s.serverId, /^[0-9a-f]{96}$/);
  assert.ok(s.lines.some((l) => /"msg":"server identity generated"/.test(l)));
  const setup = s.lines.find((l) => l.startsWith('Setup: '));
  assert.match(setup ?? '', new RegExp(`^Setup: https://127\\.0\\.0\\.1:${s.port}/setup#token=[A-Za-z0-9_-]{43}$`));
  const r = await s.req('GET', '/api/v1/server');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, { serverId: s.serverId, version: '0.1.0', protocolVersion: 1, setupRequired: true, urls: [s.url] });
  assert.equal(r.headers['x-content-type-options'], 'nosniff');
  for (const f of [identityPaths(dir).agentKey, identityPaths(dir).caKey, identityPaths(dir).httpsKey]) {
    assert.equal(statSync(f).mode & 0o777, 0o600, `${f} is 0600`);
  }
  // Every log line is one JSON object (except the setup line, which is for people).
  for (const l of s.lines.filter((x) => !x.startsWith('Setup: '))) assert.doesNotThrow(() => JSON.parse(l), l);
});

test('restart generates nothing, keeps the ServerID, and SIGTERM exits 0', async (t) => {
  const dir = tempDataDir();
  const a = await startServer({ dataDir: dir });
  assert.equal(await a.stop('SIGTERM'), 0);
  const before = identityFiles(dir);
  const b = await startServer({ dataDir: dir });
  t.after(async () => { await b.stop('SIGKILL'); removeDir(dir); });
  assert.equal(b.serverId, a.serverId);
  assert.ok(!b.lines.some((l) => /identity generated/.test(l)), 'nothing generated on restart');
  assert.deepEqual(identityFiles(dir), before, 'identity files unchanged');
  assert.equal(((await b.req('GET', '/api/v1/server')).json as { serverId: string }).serverId, a.serverId);
  // Still no users: a fresh setup link (the old one cannot be shown again, only its hash is kept).
  assert.ok(b.setupToken && b.setupToken !== a.setupToken);
  assert.equal(await b.stop('SIGINT'), 0);
  assert.ok(b.lines.some((l) => /"msg":"stopped"/.test(l)));
});

test('SIGTERM with an open keep-alive connection still exits 0', async (t) => {
  const s = await startServer();
  t.after(() => removeDir(s.dataDir));
  const { Agent } = await import('node:https');
  const agent = new Agent({ keepAlive: true, ca: s.ca });
  await new Promise<void>((resolve, reject) => {
    request({ host: '127.0.0.1', port: s.port, path: '/api/v1/server', agent }, (res) => {
      res.resume();
      res.on('end', resolve);
    }).on('error', reject).end();
  });
  assert.equal(await s.stop('SIGTERM'), 0);
  agent.destroy();
});

test('a user-supplied certificate is served and the ServerID stays', async (t) => {
  const dir = tempDataDir();
  const other = tempDataDir();
  const a = await startServer({ dataDir: dir });
  await a.stop();
  // "Let's Encrypt": a certificate from a CA this server never saw.
  const foreign = await loadIdentity({ dataDir: other, names: ['proxy.example'], tlsCert: null, tlsKey: null });
  writeFileSync(join(other, 'le.crt'), foreign.tlsCertPem);
  writeFileSync(join(other, 'le.key'), foreign.tlsKeyPem, { mode: 0o600 });
  const b = await startServer({ dataDir: dir, args: ['--tls-cert', join(other, 'le.crt'), '--tls-key', join(other, 'le.key')] });
  t.after(async () => { await b.stop('SIGKILL'); removeDir(dir); removeDir(other); });
  assert.equal(b.serverId, a.serverId);
  // The data dir's own CA no longer validates the served certificate; the foreign CA does.
  await assert.rejects(b.req('GET', '/api/v1/server'));
  const r = await new Promise<number>((resolve, reject) => {
    request({ host: '127.0.0.1', port: b.port, path: '/api/v1/server', ca: foreign.caCertPem, servername: 'proxy.example', checkServerIdentity: () => undefined, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject).end();
  });
  assert.equal(r, 200);
});

test('--name re-issues only the HTTPS certificate; the ServerID stays', async (t) => {
  const dir = tempDataDir();
  const a = await startServer({ dataDir: dir });
  await a.stop();
  const p = identityPaths(dir);
  const before = identityFiles(dir);
  const b = await startServer({ dataDir: dir, args: ['--name', 'mesh.example.org'] });
  t.after(async () => { await b.stop('SIGKILL'); removeDir(dir); });
  const after = identityFiles(dir);
  assert.equal(b.serverId, a.serverId);
  assert.equal(after[p.caCert], before[p.caCert]);
  assert.equal(after[p.agentKey], before[p.agentKey]);
  assert.notEqual(after[p.httpsCert], before[p.httpsCert]);
  assert.equal((await b.req('GET', '/api/v1/server')).status, 200);
});

test('fatal start errors print one clear line and exit non-zero', async (t) => {
  const dir = tempDataDir();
  t.after(() => removeDir(dir));
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  t.after(() => blocker.close());
  const port = (blocker.address() as { port: number }).port;
  const run = (...args: string[]) => spawnSync(process.execPath, [BIN, '--data', dir, ...args], { encoding: 'utf8', timeout: 30_000 });

  const inUse = run('--port', String(port));
  assert.equal(inUse.status, 1);
  assert.equal(inUse.stderr.trim(), `meshwork: port ${port} on 127.0.0.1 is already in use`);

  const badPort = run('--port', 'seventy');
  assert.equal(badPort.status, 1);
  assert.equal(badPort.stderr.trim().split('\n').length, 1);
  assert.match(badPort.stderr, /^meshwork: bad configuration: --port must be a port number/);

  const unknownFlag = run('--bogus');
  assert.equal(unknownFlag.status, 1);
  assert.match(unknownFlag.stderr, /^meshwork: bad configuration: .*--bogus/);

  writeFileSync(join(dir, 'config.json'), '{"port": "x"');
  const badFile = run('--port', '0');
  assert.equal(badFile.status, 1);
  assert.match(badFile.stderr, /^meshwork: bad configuration: .*config\.json/);
});

test('--metrics-port serves /metrics without auth on a separate plain-HTTP bind', async (t) => {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const mport = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const s = await startServer({ args: ['--metrics-port', String(mport)] });
  t.after(async () => { await s.stop('SIGKILL'); removeDir(s.dataDir); });
  await s.req('GET', '/api/v1/server');
  const res = await fetch(`http://127.0.0.1:${mport}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  assert.match(text, /^meshwork_http_requests_total\{method="GET"\} [1-9]\d*$/m);
  assert.match(text, /^meshwork_users 0$/m);
  assert.match(text, /^meshwork_agents_connected 0$/m);
  assert.equal((await fetch(`http://127.0.0.1:${mport}/api/v1/server`)).status, 404, 'nothing else on the metrics bind');
  // The main port still requires an administrator.
  assert.equal((await s.req('GET', '/metrics')).status, 401);
});
