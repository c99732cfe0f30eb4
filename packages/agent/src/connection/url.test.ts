import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentWsUrl, ServerUrlError } from './url.js';

test('server base URLs map to the agent WebSocket path', () => {
  assert.equal(agentWsUrl('https://mesh.example:8443'), 'wss://mesh.example:8443/agent');
  assert.equal(agentWsUrl('https://mesh.example/'), 'wss://mesh.example/agent');
  assert.equal(agentWsUrl('https://mesh.example/prefix/'), 'wss://mesh.example/prefix/agent');
  assert.equal(agentWsUrl('wss://127.0.0.1:4443/agent'), 'wss://127.0.0.1:4443/agent');
  assert.equal(agentWsUrl('https://[::1]:4443'), 'wss://[::1]:4443/agent');
});

test('plain http, credentials and garbage are refused', () => {
  for (const bad of ['http://mesh.example', 'ws://mesh.example/agent', 'https://u:p@mesh.example', 'not a url', 'ftp://x']) {
    assert.throws(() => agentWsUrl(bad), ServerUrlError, bad);
  }
});
