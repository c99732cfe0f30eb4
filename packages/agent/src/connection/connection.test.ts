// Connection life against a test double of the server (real TLS + WebSocket on 127.0.0.1): the
// pinned ServerID, protocol violations, server-imposed delays, heartbeats, backoff and its resets.
// Delays are asserted as lower bounds the agent guarantees (it never retries sooner than it said),
// never as upper bounds on how fast anything runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { tempStateDirs } from '../identity/testing/temp-dirs.js';
import { FAST, runAgent } from '../run/testing/fixtures.js';
import { readAgentStatus } from '../status/report.js';
import type { RetryReason } from './connection.js';
import type { SessionEnd } from './session.js';
import { testServers, waitFor, type Behaviour } from './testing/test-server.js';

const fresh = tempStateDirs('mw-conn-');
const server = testServers();

/** Records what the agent did: attempt times, the delays it chose, how sessions ended. */
function recorder() {
  const r = {
    attempts: [] as number[],
    retries: [] as Array<{ delayMs: number; reason: RetryReason }>,
    ends: [] as SessionEnd[],
    ups: 0,
    events: {
      attempt: () => void r.attempts.push(performance.now()),
      retry: (x: { delayMs: number; reason: RetryReason }) => void r.retries.push(x),
      down: (e: SessionEnd) => void r.ends.push(e),
      up: () => void r.ups++,
    },
    /** Gaps between consecutive attempts. */
    gaps: () => r.attempts.slice(1).map((t, i) => t - (r.attempts[i] as number)),
  };
  return r;
}

/** Timers may fire up to 1 ms early by the clock's rounding. */
const SLACK = 2;

test('a server that is not the pinned ServerID is refused: no auth is sent, and retries back off', async () => {
  const srv = await server({ behaviour: () => ({ kind: 'rogue' }) });
  const rec = recorder();
  const stateDir = fresh();
  const timing = { backoffFirstMinMs: 30, backoffFirstMaxMs: 40, backoffCapMs: 10_000 };
  const a = await runAgent(stateDir, srv, { events: rec.events, timing });
  try {
    await waitFor('5 attempts', () => rec.attempts.length >= 5);
  } finally {
    await a.stop();
  }
  assert.ok(srv.connections.length >= 4);
  for (const c of srv.connections) {
    assert.equal(c.deviceId, undefined, 'the rogue never authenticated the agent');
    assert.ok(c.frames.every((f) => f.includes('"type":"hello"')), 'only hello was sent, never auth');
  }
  const failed = rec.ends.filter((e) => e.kind !== 'stopped');
  assert.ok(failed.length >= 4 && failed.every((e) => e.kind === 'server_id' && /server_id_mismatch/.test(e.message)));
  // attempt k+1 comes no sooner than the backoff floor, doubled per failure: 30, 60, 120, 240 ms
  rec.gaps().slice(0, 4).forEach((gap, k) => assert.ok(gap >= 30 * 2 ** k - SLACK, `gap ${k} = ${gap} ms`));
  assert.ok(rec.retries.every((r) => r.reason === 'backoff'));
  assert.match((await readAgentStatus(stateDir)).lastError ?? '', /server_id/);
});

test('garbage from the server at every stage: the agent survives, backs off, and connects once the server is sane', async () => {
  const garbage: Behaviour[] = [
    { kind: 'garbage', at: 'challenge', frame: 'not json at all' },
    { kind: 'garbage', at: 'challenge', frame: Buffer.from([0, 1, 2, 255]) },
    { kind: 'garbage', at: 'challenge', frame: JSON.stringify({ type: 'welcome', deviceId: 'f'.repeat(96) }) },
    { kind: 'garbage', at: 'challenge', frame: JSON.stringify({ type: 'challenge', serverNonce: 'x', serverSignature: 'y', serverPublicKey: 'z' }) },
    { kind: 'garbage', at: 'challenge', frame: 'x'.repeat(100_000) },
    { kind: 'garbage', at: 'welcome', frame: JSON.stringify({ type: 'known', inventoryHash: null, softwareHash: null }) },
    { kind: 'garbage', at: 'welcome', frame: JSON.stringify({ type: 'welcome', deviceId: 'e'.repeat(96) }) },
    { kind: 'garbage', at: 'session', frame: JSON.stringify({ type: 'known' }) },
    { kind: 'garbage', at: 'session', frame: JSON.stringify({ type: 'challenge' }) },
    { kind: 'garbage', at: 'session', frame: '[]' },
  ];
  const srv = await server({ behaviour: (i) => garbage[i] ?? { kind: 'normal' } });
  const rec = recorder();
  const timing = { backoffFirstMinMs: 5, backoffFirstMaxMs: 6, backoffCapMs: 40 };
  const a = await runAgent(fresh(), srv, { events: rec.events, timing });
  try {
    // (the session-stage garbage senders welcome first, so `connected` alone is not the end)
    await waitFor('a sane connection after the garbage', () => srv.connections.length === garbage.length + 1 && a.agent.stats().connected);
  } finally {
    await a.stop();
  }
  assert.equal(srv.connections.length, garbage.length + 1);
  const ends = rec.ends.slice(0, garbage.length);
  assert.ok(ends.every((e) => e.kind === 'violation'), JSON.stringify(ends.map((e) => e.message)));
  assert.equal(rec.ups, 4, 'the three session-stage garbage senders had welcomed, and the sane one');
  // never a tight loop: every retry waited at least the floor
  rec.gaps().forEach((gap, k) => assert.ok(gap >= 5 - SLACK, `gap ${k} = ${gap} ms`));
  assert.ok(rec.retries.every((r) => r.delayMs >= 5));
});

test('`later` after welcome: the agent stays away for retryAfterMs, whatever its own backoff says', async () => {
  const srv = await server({ behaviour: (i) => (i < 3 ? { kind: 'later', retryAfterMs: 250 } : { kind: 'normal' }) });
  const rec = recorder();
  const a = await runAgent(fresh(), srv, { events: rec.events, timing: { backoffFirstMinMs: 2, backoffFirstMaxMs: 3 } });
  try {
    await waitFor('connected after three `later`s', () => srv.connections.length === 4 && a.agent.stats().connected);
  } finally {
    await a.stop();
  }
  assert.deepEqual(rec.ends.slice(0, 3).map((e) => [e.kind, e.retryAfterMs]), [['later', 250], ['later', 250], ['later', 250]]);
  assert.deepEqual(rec.retries.slice(0, 3).map((r) => r.reason), ['server', 'server', 'server']);
  const at = srv.connections.map((c) => c.at);
  for (let i = 1; i < 4; i++) assert.ok((at[i] ?? 0) - (at[i - 1] ?? 0) >= 250 - SLACK, `connection ${i} came ${(at[i] ?? 0) - (at[i - 1] ?? 0)} ms after the previous`);
});

test('`refused overloaded` with retryAfterMs before welcome is honoured the same way', async () => {
  const srv = await server({ behaviour: (i) => (i < 2 ? { kind: 'refuse', at: 'challenge', code: 'overloaded', retryAfterMs: 200 } : { kind: 'normal' }) });
  const rec = recorder();
  const a = await runAgent(fresh(), srv, { events: rec.events, timing: { backoffFirstMinMs: 2, backoffFirstMaxMs: 3 } });
  try {
    await waitFor('connected', () => a.agent.stats().connected);
  } finally {
    await a.stop();
  }
  assert.deepEqual(rec.ends.slice(0, 2).map((e) => [e.kind, e.refusal, e.retryAfterMs]), [['refused', 'overloaded', 200], ['refused', 'overloaded', 200]]);
  rec.gaps().slice(0, 2).forEach((gap) => assert.ok(gap >= 200 - SLACK, `gap ${gap} ms`));
});

test('an HTTP answer to the upgrade (503 + Retry-After) is a server delay too', async () => {
  const { cert, key } = await tlsPair();
  let hits = 0;
  const https = createHttpsServer({ cert, key }, (_req, res) => {
    hits++;
    res.writeHead(503, { 'retry-after': '1' }).end();
  });
  await new Promise<void>((r) => https.listen(0, '127.0.0.1', r));
  const srv = await server();
  const rec = recorder();
  const install = srv.installFile({ serverUrls: [`https://127.0.0.1:${(https.address() as AddressInfo).port}`] });
  const a = await runAgent(fresh(), srv, { install, events: rec.events, timing: { backoffFirstMinMs: 2, backoffFirstMaxMs: 3 } });
  try {
    await waitFor('two attempts', () => rec.attempts.length >= 2);
  } finally {
    await a.stop();
    https.closeAllConnections();
    await new Promise<void>((r) => https.close(() => r()));
  }
  assert.ok(hits >= 1);
  assert.equal(rec.ends[0]?.kind, 'http');
  assert.match(rec.ends[0]?.message ?? '', /503/);
  assert.equal(rec.retries[0]?.reason, 'server');
  assert.ok((rec.gaps()[0] ?? 0) >= 1000 - SLACK);
});

test('heartbeat: a silent server is dropped after the idle timeout; a pinging one is kept', async () => {
  const quiet = await server();
  const rec = recorder();
  const a = await runAgent(fresh(), quiet, { events: rec.events, timing: { idleTimeoutMs: 150 } });
  try {
    await waitFor('an idle drop and a reconnect', () => quiet.connections.length >= 2);
  } finally {
    await a.stop();
  }
  assert.equal(rec.ends[0]?.kind, 'idle');

  const pinging = await server({ pingIntervalMs: 20 });
  const rec2 = recorder();
  const b = await runAgent(fresh(), pinging, { events: rec2.events, timing: { idleTimeoutMs: 400 } });
  try {
    // 30 pings at 20 ms span more than the 400 ms idle timeout
    await waitFor('30 pongs', () => (pinging.connections[0]?.pongs ?? 0) >= 30);
    assert.equal(pinging.connections.length, 1);
    assert.deepEqual(rec2.ends, []);
  } finally {
    await b.stop();
  }
});

test('a server that never answers the hello times out the handshake and is retried with backoff', async () => {
  const srv = await server({ behaviour: () => ({ kind: 'silent' }) });
  const rec = recorder();
  const a = await runAgent(fresh(), srv, { events: rec.events, timing: { handshakeTimeoutMs: 100 } });
  try {
    await waitFor('two attempts', () => rec.attempts.length >= 2);
  } finally {
    await a.stop();
  }
  assert.equal(rec.ends[0]?.kind, 'timeout');
});

test('backoff resets after a session that lasted stableMs, and not after a short one', async () => {
  for (const [stableMs, expectReset] of [[0, true], [3_600_000, false]] as const) {
    const srv = await server({ behaviour: (i) => (i < 4 ? { kind: 'rogue' } : { kind: 'normal' }) });
    const rec = recorder();
    const a = await runAgent(fresh(), srv, { events: rec.events, timing: { backoffFirstMinMs: 10, backoffFirstMaxMs: 10, backoffCapMs: 10_000, stableMs } });
    try {
      await waitFor('welcome after 4 failures', () => a.agent.stats().connected);
      srv.dropAll();
      await waitFor('the retry after the drop', () => rec.retries.length >= 5);
    } finally {
      await a.stop();
    }
    const afterDrop = rec.retries[4]?.delayMs ?? -1;
    if (expectReset) assert.equal(afterDrop, 10, 'back to the first delay');
    else assert.equal(afterDrop, 160, 'the fifth failure: 10 ms × 2⁴');
  }
});

test('a network change cuts a backoff wait short, but never a server-imposed one', async () => {
  const port = await closedPort();
  const srv = await server({ behaviour: () => ({ kind: 'later', retryAfterMs: 3_600_000 }) });
  let addr = '192.0.2.1';
  let cut = false;
  const rec = recorder();
  const a = await runAgent(fresh(), srv, {
    // a closed port first (backoff), then the server (which says "come back in an hour")
    install: srv.installFile({ serverUrls: [`https://127.0.0.1:${port}`] }),
    events: rec.events,
    // before the change the backoff draws its upper bound (an hour), after it the lower one (10 ms)
    random: () => (cut ? 0 : 1),
    timing: { backoffFirstMinMs: 10, backoffFirstMaxMs: 3_600_000, backoffCapMs: 7_200_000 },
    networkInterfaces: () => ({ eth0: [{ address: addr, netmask: '255.255.255.0', family: 'IPv4', mac: '00:11:22:33:44:55', internal: false, cidr: `${addr}/24` }] }),
  });
  try {
    await waitFor('the first failure', () => a.agent.stats().backoffFailures === 1);
    assert.equal(a.agent.stats().waiting, 'backoff');
    assert.equal(rec.retries[0]?.delayMs, 3_600_000);
    assert.equal(a.agent.checkNetwork(), false, 'no change yet');
    cut = true;
    addr = '192.0.2.2';
    assert.equal(a.agent.checkNetwork(), true);
    await waitFor('the second attempt, well before the hour', () => rec.attempts.length >= 2);
  } finally {
    await a.stop();
  }
  // A server's `later` is not cut short by a network change.
  const b = await runAgent(fresh(), srv, { events: rec.events, networkInterfaces: () => ({ eth0: [{ address: addr, netmask: '255.255.255.0', family: 'IPv4', mac: '00:11:22:33:44:55', internal: false, cidr: `${addr}/24` }] }) });
  try {
    await waitFor('the `later` wait', () => b.agent.stats().waiting === 'server');
    const attempts = b.agent.stats().attempts;
    addr = '192.0.2.3';
    assert.equal(b.agent.checkNetwork(), true);
    assert.equal(b.agent.stats().waiting, 'server');
    assert.equal(b.agent.stats().attempts, attempts);
  } finally {
    await b.stop();
  }
});

test('while the server is unreachable, nothing piles up: one session, ≤ 2 pending reports, ≤ 2 status writes, flat handles', async () => {
  const ports = [await closedPort(), await closedPort()];
  const srv = await server();
  let maxPending = 0;
  let maxSessions = 0;
  let maxStatusWrites = 0;
  const handles: number[] = [];
  let a: Awaited<ReturnType<typeof runAgent>> | undefined;
  let attempts = 0;
  a = await runAgent(fresh(), srv, {
    install: srv.installFile({ serverUrls: ports.map((p) => `https://127.0.0.1:${p}`) }),
    timing: { ...FAST, backoffFirstMinMs: 0.5, backoffFirstMaxMs: 1, backoffCapMs: 4, betweenUrlsMs: 0.5, inventoryIntervalMs: 2, softwareIntervalMs: 3 },
    events: {
      attempt: () => {
        attempts++;
        const s = a?.agent.stats();
        if (!s) return;
        maxPending = Math.max(maxPending, s.pendingReports);
        maxSessions = Math.max(maxSessions, s.sessions);
        maxStatusWrites = Math.max(maxStatusWrites, s.statusWrites);
        if (attempts % 50 === 0) handles.push(process.getActiveResourcesInfo().length);
      },
    },
  });
  try {
    await waitFor('400 connection attempts', () => attempts >= 400, 60_000);
  } finally {
    await a.stop();
  }
  assert.equal(a.agent.stats().connected, false);
  assert.ok(maxPending <= 2, `pending reports ${maxPending}`);
  assert.ok(maxPending >= 1, 'reports were waiting (the slot is real)');
  assert.ok(maxSessions <= 1, `sessions ${maxSessions}`);
  assert.ok(maxStatusWrites <= 2, `status writes ${maxStatusWrites}`);
  const first = handles[0] ?? 0;
  assert.ok(handles.length >= 8 && handles.every((h) => h <= first + 4), `active handles per 50 attempts: ${handles.join(' ')}`);
});

async function closedPort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function tlsPair(): Promise<{ cert: string; key: string }> {
  const { generateKeyPairSync, sign } = await import('node:crypto');
  const { createSelfSignedCertificate } = await import('../identity/certificate.js');
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const der = await createSelfSignedCertificate({ spki: publicKey.export({ type: 'spki', format: 'der' }), sign: async (tbs) => sign('sha256', tbs, { key: privateKey, dsaEncoding: 'der' }) });
  return { cert: new X509Certificate(der).toString(), key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}
