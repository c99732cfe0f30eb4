import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../errors.js';
import { parseForwardSpec } from './forward.js';

test('forward: LOCALPORT:HOST:PORT', () => {
  assert.deepEqual(parseForwardSpec('8080:127.0.0.1:80'), { localPort: 8080, host: '127.0.0.1', port: 80 });
  assert.deepEqual(parseForwardSpec('0:db.internal:5432'), { localPort: 0, host: 'db.internal', port: 5432 });
  assert.deepEqual(parseForwardSpec('2222:[::1]:22'), { localPort: 2222, host: '::1', port: 22 });
  for (const bad of ['8080', '8080:host', 'x:host:80', '8080:host:0', '8080:host:70000', '70000:host:80', '1:a b:2', '1:-x:2']) {
    assert.throws(() => parseForwardSpec(bad), UsageError, bad);
  }
});
