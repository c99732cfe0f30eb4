import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULTS } from '../config.js';
import { workerShare } from './worker.js';

test('each worker admits its share of the server-wide agent admission limits', () => {
  const c = workerShare({ ...DEFAULTS, workers: 3, agentHandshakeRate: 1_000, agentHandshakeBurst: 500, agentMaxPendingHandshakes: 2, agentMaxHeld: 1_000 });
  assert.deepEqual(
    [c.agentHandshakeRate, c.agentHandshakeBurst, c.agentMaxPendingHandshakes, c.agentMaxHeld],
    [334, 167, 1, 334],
  );
  assert.equal(c.agentHoldMs, DEFAULTS.agentHoldMs, 'other settings unchanged');
  // Not divided: a burst from one source may reach one worker more than the others.
  assert.equal(c.acceptMaxPendingPerAddress, DEFAULTS.acceptMaxPendingPerAddress);
  assert.equal(c.acceptMaxPendingPerNetwork, DEFAULTS.acceptMaxPendingPerNetwork);
  assert.equal(workerShare({ ...DEFAULTS, workers: 1 }).agentHandshakeRate, DEFAULTS.agentHandshakeRate);
});
