// The running agent against a test double of the server's agent endpoint (real TLS + WebSocket on
// 127.0.0.1): handshake, status, enrolment record, reports sent only when the server lacks them,
// and reconnecting after the server drops the socket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PRODUCT_VERSION } from '@meshwork/protocol';
import { testServers, waitFor } from '../connection/testing/test-server.js';
import { tempStateDirs } from '../identity/testing/temp-dirs.js';
import { readAgentStatus } from '../status/report.js';
import { AGENT_CAPABILITIES } from './agent.js';
import { readEnrolment } from './enrolment.js';
import { fakeCollectors, runAgent } from './testing/fixtures.js';

const fresh = tempStateDirs('mw-agent-');
const server = testServers();

test('file provider: handshake completes, the server derives our device id, status shows connected', async () => {
  const srv = await server();
  const stateDir = fresh();
  const install = srv.installFile({ enrolmentToken: 'tok-123' });
  const r = await runAgent(stateDir, srv, { install });
  try {
    await waitFor('welcome', () => r.agent.stats().connected);
    const conn = srv.connections[0];
    assert.equal(conn?.deviceId, r.identity.deviceId);
    assert.deepEqual(conn?.info, {
      agentVersion: PRODUCT_VERSION,
      platform: process.platform,
      arch: process.arch,
      hostname: conn?.info?.hostname,
      enrolmentToken: 'tok-123',
      capabilities: AGENT_CAPABILITIES,
    });
    await waitFor('status.json says connected', async () => (await readAgentStatus(stateDir)).connected);
    const s = await readAgentStatus(stateDir);
    assert.equal(s.deviceId, r.identity.deviceId);
    assert.equal(s.keyProvider, 'file');
    assert.deepEqual([s.keyGenerations, s.certGenerations], [1, 1]);
    assert.equal(s.serverId, srv.serverId);
    assert.equal(s.groupId, install.groupId);
    assert.equal(s.serverUrl, `wss://127.0.0.1:${new URL(srv.url).port}/agent`);
    assert.equal(s.running, true);
    assert.equal(s.pid, process.pid);
    await waitFor('enrolment record', async () => (await readEnrolment(stateDir))?.deviceId === r.identity.deviceId);
    assert.equal((await readAgentStatus(stateDir)).enrolled, true);
  } finally {
    await r.stop();
  }
  const s = await readAgentStatus(stateDir);
  assert.equal(s.connected, false, 'stopped: not connected');
  assert.equal(s.running, false);
});

test('the group the server reports at welcome wins over the install file', async () => {
  const theirs = 'a'.repeat(96);
  const srv = await server({ welcomeGroupId: theirs });
  const stateDir = fresh();
  const r = await runAgent(stateDir, srv);
  try {
    assert.notEqual(srv.installFile().groupId, theirs);
    await waitFor('enrolment record', async () => (await readEnrolment(stateDir))?.groupId === theirs);
    assert.equal((await readAgentStatus(stateDir)).groupId, theirs);
  } finally {
    await r.stop();
  }
});

test('reports: sent on the first connect, not re-sent when `known` matches, re-sent when the inventory changes', async () => {
  const srv = await server();
  const collectors = fakeCollectors();
  let addresses = '192.0.2.10';
  const sent: string[] = [];
  let knownCount = 0;
  const r = await runAgent(fresh(), srv, {
    collectors,
    networkInterfaces: () => ({ eth0: [{ address: addresses, netmask: '255.255.255.0', family: 'IPv4', mac: '00:11:22:aa:bb:cc', internal: false, cidr: `${addresses}/24` }] }),
    events: { report: (kind) => sent.push(kind), known: () => knownCount++ },
  });
  try {
    await waitFor('both reports on connection 1', () => (srv.connections[0]?.reports.length ?? 0) === 2);
    assert.deepEqual(srv.connections[0]?.reports.map((f) => f.type).sort(), ['inventory', 'software']);
    assert.equal(r.agent.stats().pendingReports, 0);

    srv.dropAll(); // the server restarts; it keeps what it holds
    await waitFor('known on connection 2', () => knownCount === 2);
    assert.equal(r.agent.stats().pendingReports, 0);
    // End the session: the server has then read every frame the agent sent on it.
    srv.dropAll();
    await waitFor('connection 2 closed', () => srv.connections[1]?.closed === true);
    assert.deepEqual(srv.connections[1]?.reports, [], 'nothing re-sent: the hashes matched');
    assert.deepEqual(sent.sort(), ['inventory', 'software']);
    assert.equal(collectors.calls.software, 1, 'software collected once');

    await waitFor('connection 3 welcomed', () => srv.connections[2]?.deviceId !== undefined && r.agent.stats().connected);
    collectors.hostname = 'renamed-host';
    addresses = '192.0.2.99';
    assert.equal(r.agent.checkNetwork(), true, 'the address change is seen');
    await waitFor('the changed inventory', () => srv.connections[2]?.reports.some((f) => f.type === 'inventory' && f.inventory.hostname === 'renamed-host') === true);
    assert.equal(srv.connections[2]?.reports.length, 1, 'only the inventory changed');
  } finally {
    await r.stop();
  }
});

test('reports collected while disconnected wait in one slot per kind and go out after `known`', async () => {
  const srv = await server({ behaviour: (i) => (i < 3 ? { kind: 'refuse', at: 'challenge', code: 'overloaded', retryAfterMs: 0 } : { kind: 'normal' }) });
  const collectors = fakeCollectors();
  const r = await runAgent(fresh(), srv, { collectors, timing: { inventoryIntervalMs: 5 } });
  try {
    await waitFor('several collections while refused', () => collectors.calls.system >= 5 || r.agent.stats().connected);
    assert.ok(r.agent.stats().pendingReports <= 2);
    await waitFor('reports on the first welcomed connection', () => (srv.connections[3]?.reports.length ?? 0) >= 2);
    assert.ok(srv.connections.slice(0, 3).every((c) => c.reports.length === 0 && c.deviceId === undefined));
  } finally {
    await r.stop();
  }
});
