import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { ERROR_CODES, endpoints, type EndpointName } from '@meshwork/protocol';
import { renderErrorsDoc } from './errors-doc.js';
import { OPENAPI_PATH, generateOpenApi, renderOpenApi } from './generate.js';
import { registerOpenApiRoute } from './route.js';

// dist/openapi/generate.test.js → the repository root is four levels up.
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const REGENERATE = 'docs are out of date: run `npm run gen:openapi` and commit the result';

type Doc = { paths: Record<string, Record<string, { operationId: string; security: unknown[]; parameters?: Array<{ name: string; in: string }> }>>; components: { schemas: Record<string, unknown> } };

describe('generated API documents', () => {
  it('docs/openapi.json is exactly what the API table generates', () => {
    assert.equal(readFileSync(`${root}docs/openapi.json`, 'utf8'), renderOpenApi(), REGENERATE);
  });

  it('docs/errors.md is exactly what the error catalogue generates', () => {
    assert.equal(readFileSync(`${root}docs/errors.md`, 'utf8'), renderErrorsDoc(), REGENERATE);
  });

  it('has one operation per endpoint, with path parameters, security by auth, and the error schema', () => {
    const doc = generateOpenApi() as unknown as Doc;
    const ops = Object.values(doc.paths).flatMap((p) => Object.values(p));
    assert.deepEqual(ops.map((o) => o.operationId).sort(), Object.keys(endpoints).sort());
    const get = doc.paths['/api/v1/groups/{id}/rights/{subjectId}']?.put;
    assert.deepEqual(get?.parameters?.map((p) => [p.name, p.in]), [['id', 'path'], ['subjectId', 'path']]);
    assert.deepEqual(doc.paths['/api/v1/server']?.get?.security, []);
    assert.deepEqual(doc.paths['/api/v1/groups']?.get?.security, [{ sessionCookie: [] }, { bearerToken: [] }]);
    assert.deepEqual(doc.paths['/api/v1/groups']?.post?.security, [{ sessionCookie: [], csrfToken: [] }, { bearerToken: [] }]);
    assert.deepEqual((doc.components.schemas.Error as { properties: { code: { enum: string[] } } }).properties.code.enum, Object.keys(ERROR_CODES));
    const text = JSON.stringify(doc);
    assert.ok(!text.includes('#/$defs/'), 'every reference points into components');
    for (const ref of text.matchAll(/"#\/components\/schemas\/([A-Za-z]+)"/g)) assert.ok(ref[1] && ref[1] in doc.components.schemas, `dangling ${ref[0]}`);
    const names = Object.keys(endpoints) as EndpointName[];
    assert.ok(names.every((n) => text.includes(`"operationId": "${n}"`) || text.includes(`"operationId":"${n}"`)));
  });

  it('errors.md lists every code with its status', () => {
    const md = renderErrorsDoc();
    for (const [code, { status }] of Object.entries(ERROR_CODES)) assert.ok(md.includes(`| \`${code}\` | ${status} |`), code);
  });

  it('is served without authentication at /api/v1/openapi.json', async () => {
    const app = Fastify();
    registerOpenApiRoute(app);
    const r = await app.inject({ method: 'GET', url: OPENAPI_PATH });
    assert.equal(r.statusCode, 200);
    assert.match(String(r.headers['content-type']), /^application\/json/);
    assert.equal(r.body, renderOpenApi());
    await app.close();
  });
});
