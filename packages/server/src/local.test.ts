/** Local mode (the CLI's --data D): bootstrap, the same routes in-process, and the real server afterwards. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { openSqliteStore } from '@meshwork/store-sqlite';
import { join } from 'node:path';
import { openLocal } from './local.js';
import { identityPaths } from './identity/identity.js';
import { Browser, removeDir, startServer, tempDataDir } from './testing/server-process.js';

const post = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

test('openLocal bootstraps an empty data dir; the server started later keeps that ServerID', async (t) => {
  const dir = tempDataDir();
  t.after(() => removeDir(dir));
  const local = await openLocal(dir);
  assert.ok(existsSync(join(dir, 'meshwork.db')));
  assert.ok(existsSync(identityPaths(dir).agentKey));
  assert.deepEqual(local.serverUrls, [], 'never served yet');
  const info = await local.fetch('http://local/api/v1/server');
  assert.equal(info.status, 200);
  assert.equal(info.headers.get('content-type'), 'application/json; charset=utf-8');
  const body = (await info.json()) as { serverId: string; setupRequired: boolean };
  assert.equal(body.serverId, local.serverId);
  assert.equal(body.setupRequired, true);

  // The local administrator needs no login or CSRF token.
  const created = await local.fetch('http://local/api/v1/users', post({ name: 'admin', password: 'local password', siteRights: ['admin'] }));
  assert.equal(created.status, 200, await created.clone().text());
  const admin = (await created.json()) as { id: string };
  const noUser = await local.fetch('/api/v1/tokens', post({ name: 'ci' }));
  assert.equal(noUser.status, 400);
  assert.equal(((await noUser.json()) as { code: string }).code, 'bad_request');
  const tok = await local.fetch('/api/v1/tokens', post({ name: 'ci', userId: admin.id }));
  assert.equal(tok.status, 200);
  const { secret } = (await tok.json()) as { secret: string };
  const missing = await local.fetch('/api/v1/users/doesnotexist1');
  assert.equal(missing.status, 404);
  assert.deepEqual(await missing.json(), { code: 'not_found', message: 'Not found.' });
  const own = await local.fetch('/api/v1/account/totp/begin', { method: 'POST' });
  assert.equal(own.status, 400, 'no own account in local mode');
  await local.close();

  const s = await startServer({ dataDir: dir });
  t.after(() => s.stop('SIGKILL'));
  assert.equal(s.serverId, local.serverId, 'ServerID fixed by the bootstrap');
  assert.equal(s.setupToken, null, 'no setup link once a user exists');
  assert.equal((await s.req('GET', '/api/v1/auth/session', { headers: { authorization: `Bearer ${secret}` } })).status, 200);
  assert.equal((await new Browser(s).login('admin', 'local password')).status, 200);

  const again = await openLocal(dir);
  t.after(() => again.close());
  assert.deepEqual(again.serverUrls, [s.url], 'the URLs the server recorded');
});

test('creating the first user locally invalidates a printed setup link', async (t) => {
  const s = await startServer();
  t.after(async () => { await s.stop('SIGKILL'); removeDir(s.dataDir); });
  assert.ok(s.setupToken);
  const before = await openSqliteStore(join(s.dataDir, 'meshwork.db'));
  assert.equal(typeof (await before.getSetting('setupTokenHash')), 'string');
  await before.close();
  const local = await openLocal(s.dataDir);
  t.after(() => local.close());
  const r = await local.fetch('/api/v1/users', post({ name: 'root', password: 'root password', siteRights: ['admin'] }));
  assert.equal(r.status, 200);
  const setup = await s.req('POST', '/api/v1/setup', { body: { token: s.setupToken, name: 'intruder', password: 'intruder password' } });
  assert.equal(setup.status, 409);
  assert.equal((setup.json as { code: string }).code, 'setup_done');
  const store = await openSqliteStore(join(s.dataDir, 'meshwork.db'));
  t.after(() => store.close());
  assert.equal(await store.getSetting('setupTokenHash'), null, 'the token itself is gone, not just unusable');
});
