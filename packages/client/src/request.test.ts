import { test } from 'node:test';
import assert from 'node:assert/strict';
import { endpoints } from '@meshwork/protocol';
import { fillPath, joinUrl, pathParamNames, queryString, splitFlat } from './request.js';

test('path parameters are substituted and URL-encoded', () => {
  assert.deepEqual(pathParamNames('/api/v1/groups/:id/rights/:subjectId'), ['id', 'subjectId']);
  assert.equal(fillPath('/api/v1/users/:id', { id: 'a/b c?#' }), '/api/v1/users/a%2Fb%20c%3F%23');
  assert.equal(fillPath('/api/v1/groups/:id/rights/:subjectId', { id: 'g1', subjectId: 'u..1' }), '/api/v1/groups/g1/rights/u..1');
  assert.throws(() => fillPath('/api/v1/users/:id', {}), /missing path parameter "id"/);
  assert.throws(() => fillPath('/api/v1/users/:id', { id: '' }), /missing path parameter "id"/);
});

test('query strings leave out undefined and null, repeat arrays and encode values', () => {
  assert.equal(queryString(undefined), '');
  assert.equal(queryString({ a: undefined, b: null }), '');
  assert.equal(queryString({ q: 'a b&c=d', limit: 5, tag: ['x', 'y'] }), '?q=a+b%26c%3Dd&limit=5&tag=x&tag=y');
});

test('base URLs are joined without doubled slashes', () => {
  assert.equal(joinUrl('https://h:1/', '/api/v1/server'), 'https://h:1/api/v1/server');
  assert.equal(joinUrl('', '/api/v1/server'), '/api/v1/server');
});

test('a flat input is split into path params, query and body by the endpoint definition', () => {
  assert.deepEqual(splitFlat(endpoints['groups.setRights'], { id: 'g', subjectId: 's', rights: ['wake'] }), {
    params: { id: 'g', subjectId: 's' },
    body: { rights: ['wake'] },
  });
  assert.deepEqual(splitFlat(endpoints['groups.installFile'], { id: 'g', tokenId: 't' }), { params: { id: 'g' }, query: { tokenId: 't' } });
  assert.deepEqual(splitFlat(endpoints['events.list'], undefined), { query: {} });
  assert.deepEqual(splitFlat(endpoints['groups.createEnrolmentToken'], { id: 'g' }), { params: { id: 'g' }, body: {} });
  assert.deepEqual(splitFlat(endpoints['users.list'], undefined), {});
});
