import { test } from 'node:test';
import assert from 'node:assert/strict';
import { downloadUrl } from './download.js';

test('the download comes from the server of the session, under its path prefix', () => {
  const path = '/api/v1/agent/packages/linux-x64?link=linux-x64.1.abc';
  assert.equal(downloadUrl('wss://mesh.example:8443/agent', path).href, `https://mesh.example:8443${path}`);
  assert.equal(downloadUrl('wss://mesh.example/mesh/agent', path).href, `https://mesh.example/mesh${path}`);
  assert.equal(downloadUrl('wss://[2001:db8::1]:9443/agent', path).href, `https://[2001:db8::1]:9443${path}`);
});
