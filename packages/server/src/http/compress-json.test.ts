import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { SITE_RIGHTS } from '@meshwork/protocol';
import { addDevice, addGroup, addUser, principalOf, testSystem, type TestSystem } from '../domain/testkit/system.js';
import { buildApp } from './app.js';
import { COMPRESS_JSON_FROM } from './compress-json.js';
import { handlers } from './handlers/index.js';

describe('large JSON answers are gzipped when accepted', () => {
  let t: TestSystem;
  let app: FastifyInstance;

  before(async () => {
    t = await testSystem();
    const admin = await addUser(t.sys, 'admin', SITE_RIGHTS.admin);
    const g = await addGroup(t.sys, 'fleet');
    for (let i = 0; i < 400; i++) await addDevice(t.sys, g.id, `device-${String(i).padStart(4, '0')}`);
    app = buildApp(t.sys, handlers, { localPrincipal: principalOf(admin) });
  });
  after(async () => {
    await app.close();
    await t.close();
  });

  it('a device list above the threshold: gzip, and the same JSON once inflated', async () => {
    const plain = await app.inject({ method: 'GET', url: '/api/v1/devices' });
    assert.equal(plain.statusCode, 200);
    assert.ok(plain.rawPayload.length >= COMPRESS_JSON_FROM, `the fixture is big enough (${plain.rawPayload.length})`);
    assert.equal(plain.headers['content-encoding'], undefined, 'no Accept-Encoding: identity');
    assert.match(String(plain.headers.vary), /Accept-Encoding/);

    const zipped = await app.inject({ method: 'GET', url: '/api/v1/devices', headers: { 'accept-encoding': 'gzip, deflate, br' } });
    assert.equal(zipped.statusCode, 200);
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.ok(zipped.rawPayload.length < plain.rawPayload.length / 3);
    assert.deepEqual(JSON.parse(gunzipSync(zipped.rawPayload).toString('utf8')), JSON.parse(plain.body));

    const refused = await app.inject({ method: 'GET', url: '/api/v1/devices', headers: { 'accept-encoding': 'gzip;q=0, br' } });
    assert.equal(refused.headers['content-encoding'], undefined, 'gzip;q=0 is respected (br is not used for API answers)');
  });

  it('small answers are never compressed', async () => {
    const r = await app.inject({ method: 'GET', url: '/api/v1/server', headers: { 'accept-encoding': 'gzip' } });
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers['content-encoding'], undefined);
    assert.equal((JSON.parse(r.body) as { version: string }).version.length > 0, true);
  });
});
