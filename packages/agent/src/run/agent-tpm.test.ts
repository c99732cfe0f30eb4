// The running agent with its key in a TPM (swtpm on loopback): the handshake signs in the TPM, and
// deleting the whole state dir brings the same device back — the server sees one device, not two.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startTestServer, waitFor, type TestServer } from '../connection/testing/test-server.js';
import { tempStateDirs } from '../identity/testing/temp-dirs.js';
import { startSwtpm, type Swtpm } from '../identity/tpm/testing/swtpm.js';
import { readAgentStatus } from '../status/report.js';
import { runAgent } from './testing/fixtures.js';

const fresh = tempStateDirs('mw-agent-tpm-');
let tpm: Swtpm;
let srv: TestServer;
before(async () => {
  tpm = await startSwtpm();
  srv = await startTestServer();
});
after(async () => {
  await srv?.close();
  await tpm?.stop();
});

test('TPM provider: handshake completes; the state dir deleted → the same device id at the server', async () => {
  const stateDir = fresh();
  const first = await runAgent(stateDir, srv, { tpm: tpm.tcti });
  let deviceId: string;
  try {
    await waitFor('welcome', async () => (await readAgentStatus(stateDir)).connected);
    const s = await readAgentStatus(stateDir);
    assert.equal(s.keyProvider, 'tpm');
    assert.equal(s.tpm, tpm.tcti);
    assert.deepEqual([s.keyGenerations, s.certGenerations], [1, 1]);
    deviceId = first.identity.deviceId;
    assert.equal(srv.connections[0]?.deviceId, deviceId);
  } finally {
    await first.stop();
  }
  rmSync(stateDir, { recursive: true });
  const second = await runAgent(stateDir, srv, { tpm: tpm.tcti });
  try {
    await waitFor('welcome again', () => second.agent.stats().connected);
    assert.equal(second.identity.deviceId, deviceId);
    assert.deepEqual([...new Set(srv.connections.map((c) => c.deviceId))], [deviceId], 'one device at the server');
  } finally {
    await second.stop();
  }
});
