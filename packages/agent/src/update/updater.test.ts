// Self-update in the running agent against the test server (real TLS + WebSocket + HTTPS download)
// with fake version executables in a temporary root: a signed offer is downloaded, checked, staged
// and swapped in, step by step; every bad offer is refused before anything runs; a trial version
// finishes at welcome, or exits when its deadline passes; a rollback is reported once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { UpdateOffer } from '@meshwork/protocol/session/index';
import { testServers, waitFor, type TestServer } from '../connection/testing/test-server.js';
import { runAgent } from '../run/testing/fixtures.js';
import { fakeAgentScript, fakeRoots, type FakeRoot } from '../service/testing/fake-versions.js';
import { readUpdateRecord, writeUpdateRecord } from './record.js';

const server = testServers();
const roots = fakeRoots();
const PATH = '/api/v1/agent/packages/linux-x64?link=';

async function start(srv: TestServer, r: FakeRoot, version: string, opts: { trialMs?: number } = {}) {
  const exits: Array<{ code: number; why: string }> = [];
  const running = await runAgent(r.layout.state, srv, {
    updates: { layout: r.layout, version, platform: 'linux-x64', exit: (code, why) => void exits.push({ code, why }), ...opts },
  });
  return { ...running, exits };
}

function offerFor(deviceId: string, body: Buffer, version: string, link: string, extra: Partial<UpdateOffer> = {}): UpdateOffer {
  const now = Date.now();
  return { deviceId, platform: 'linux-x64', version, sha256: createHash('sha256').update(body).digest('hex'), size: body.length, url: PATH + link, issuedAt: now, expiresAt: now + 600_000, ...extra };
}

test('a signed offer: downloaded from the connected server, checked, staged 0755, current swapped, trial recorded, restart', async () => {
  const srv = await server();
  const r = roots();
  r.addVersion('0.1.0');
  r.link('0.1.0', '0.1.0');
  const a = await start(srv, r, '0.1.0', { trialMs: 120_000 });
  try {
    await waitFor('welcome', () => a.agent.stats().connected);
    const conn = srv.connections[0];
    assert.ok(conn);
    assert.ok(conn.info?.capabilities?.includes('self-update'), 'announced self-update');
    const body = Buffer.from(fakeAgentScript('0.2.0', r.marker));
    srv.files.set(PATH + 'good', body);
    const before = Date.now();
    conn.send(srv.signOffer(offerFor(a.identity.deviceId, body, '0.2.0', 'good')));
    await waitFor('the agent asks to restart', () => a.exits.length > 0);
    assert.deepEqual(a.exits, [{ code: 0, why: 'restarting into version 0.2.0' }]);
    await waitFor('restarting reported', () => conn.updates.length === 4);
    assert.deepEqual(conn.updates.map((u) => [u.version, u.state]), [
      ['0.2.0', 'downloading'],
      ['0.2.0', 'verifying'],
      ['0.2.0', 'installing'],
      ['0.2.0', 'restarting'],
    ]);
    assert.deepEqual(srv.downloads, [PATH + 'good']);
    const exe = join(r.layout.versions, '0.2.0', 'meshwork-agent');
    assert.equal(statSync(exe).mode & 0o777, 0o755);
    assert.equal(existsSync(`${exe}.tmp`), false);
    assert.equal(readlinkSync(r.layout.current), 'versions/0.2.0');
    assert.equal(readlinkSync(r.layout.good), 'versions/0.1.0', 'good moves only when the new version reaches the server');
    const rec = await readUpdateRecord(r.layout.state);
    assert.ok(rec?.state === 'trial');
    assert.deepEqual({ ...rec, deadline: 0 }, { state: 'trial', from: '0.1.0', to: '0.2.0', deadline: 0, attempts: 0 });
    assert.ok(rec.deadline >= before + 120_000 && rec.deadline <= Date.now() + 120_000);
    assert.deepEqual(r.runs(), [], 'only `--version` ran');
  } finally {
    await a.stop();
  }
});

test('bad offers are refused with a reason and nothing is staged or run', async () => {
  const srv = await server();
  const r = roots();
  r.addVersion('0.1.0');
  r.link('0.1.0', '0.1.0');
  const a = await start(srv, r, '0.1.0');
  try {
    await waitFor('welcome', () => a.agent.stats().connected);
    const conn = srv.connections[0];
    assert.ok(conn);
    const me = a.identity.deviceId;
    const body = Buffer.from(fakeAgentScript('0.2.0', r.marker));
    const tampered = Buffer.from(body.toString().replace("echo '0.2.0'", "echo '0.2.1'"));
    const longer = Buffer.concat([body, Buffer.from('# more\n')]);
    srv.files.set(PATH + 'ok', body);
    srv.files.set(PATH + 'tampered', tampered);
    srv.files.set(PATH + 'longer', longer);
    srv.files.set(PATH + 'liar', Buffer.from(fakeAgentScript('0.3.0', r.marker)));
    const liar = srv.files.get(PATH + 'liar') as Buffer;
    const good = offerFor(me, body, '0.2.0', 'ok');
    const forged = { ...srv.signOffer(good), offer: { ...good, url: PATH + 'tampered' } };
    const cases: Array<[string, unknown, RegExp]> = [
      ['signature over another offer', forged, /signature does not verify/],
      ['signature by another key', { ...srv.signOffer(good), signature: (await server()).signOffer(good).signature }, /signature does not verify/],
      ['another device', srv.signOffer({ ...good, deviceId: 'c'.repeat(96) }), /another device/],
      ['another platform', srv.signOffer({ ...good, platform: 'linux-arm64' }), /for linux-arm64/],
      ['expired', srv.signOffer({ ...good, expiresAt: Date.now() - 1 }), /expired/],
      ['the running version', srv.signOffer({ ...good, version: '0.1.0' }), /already running/],
      ['tampered package (hash)', srv.signOffer({ ...good, url: PATH + 'tampered' }), /does not match the offered SHA-256/],
      ['more bytes than offered', srv.signOffer({ ...good, url: PATH + 'longer' }), /larger than the offered/],
      ['not there (404)', srv.signOffer({ ...good, url: PATH + 'missing' }), /HTTP 404/],
      ['says another version', srv.signOffer(offerFor(me, liar, '0.2.0', 'liar')), /says it is version "0\.3\.0"/],
    ];
    for (const [what, frame, reason] of cases) {
      const n = conn.updates.length;
      conn.send(frame as never);
      await waitFor(what, () => conn.updates.some((u, i) => i >= n && u.state === 'failed'));
      const failed = conn.updates.slice(n).find((u) => u.state === 'failed');
      assert.match(failed?.error ?? '', reason, what);
      assert.deepEqual(readdirSync(r.layout.versions), ['0.1.0'], `${what}: nothing staged`);
      assert.equal(readlinkSync(r.layout.current), 'versions/0.1.0');
      assert.equal(await readUpdateRecord(r.layout.state), undefined);
    }
    assert.deepEqual(a.exits, []);
    assert.deepEqual(r.runs(), [], 'no offered executable ran (a tampered one not even with --version)');
    assert.ok(a.agent.stats().connected, 'the session survived every refusal');
  } finally {
    await a.stop();
  }
});

test('the trial version at welcome: good := current, `updated` reported once, versions other than current and previous removed', async () => {
  const srv = await server();
  const r = roots();
  for (const v of ['0.0.9', '0.1.0', '0.2.0']) r.addVersion(v);
  r.link('0.2.0', '0.1.0');
  await writeUpdateRecord(r.layout.state, { state: 'trial', from: '0.1.0', to: '0.2.0', deadline: Date.now() + 600_000, attempts: 1 });
  const a = await start(srv, r, '0.2.0');
  try {
    await waitFor('updated reported', () => srv.connections[0]?.updates.length === 1);
    assert.deepEqual(srv.connections[0]?.updates, [{ type: 'updateStatus', version: '0.2.0', state: 'updated' }]);
    await waitFor('recorded as reported', async () => (await readUpdateRecord(r.layout.state))?.state === 'updated');
    await waitFor('reported flag', async () => { const x = await readUpdateRecord(r.layout.state); return x?.state === 'updated' && x.reported; });
    assert.equal(readlinkSync(r.layout.good), 'versions/0.2.0');
    assert.deepEqual(readdirSync(r.layout.versions).sort(), ['0.1.0', '0.2.0']);
    srv.dropAll();
    await waitFor('welcome again', () => srv.connections[1]?.deviceId !== undefined && a.agent.stats().connected);
    await new Promise((res) => setTimeout(res, 100));
    assert.deepEqual(srv.connections[1]?.updates, [], 'not reported twice');
    assert.deepEqual(a.exits, []);
  } finally {
    await a.stop();
  }
});

test('a trial version that cannot reach the server exits non-zero at its deadline (the guard then rolls back)', async () => {
  const srv = await server({ behaviour: () => ({ kind: 'refuse', at: 'challenge', code: 'overloaded' }) });
  const r = roots();
  r.addVersion('0.1.0');
  r.addVersion('0.2.0');
  r.link('0.2.0', '0.1.0');
  await writeUpdateRecord(r.layout.state, { state: 'trial', from: '0.1.0', to: '0.2.0', deadline: Date.now() + 300, attempts: 1 });
  const a = await start(srv, r, '0.2.0');
  try {
    await waitFor('exit', () => a.exits.length > 0);
    assert.equal(a.exits[0]?.code, 1);
    assert.match(a.exits[0]?.why ?? '', /did not reach the server before the trial deadline/);
  } finally {
    await a.stop();
  }
});

test('after a rollback the good version reports `rolled-back` with the reason, once', async () => {
  const srv = await server();
  const r = roots();
  r.addVersion('0.1.0');
  r.link('0.1.0', '0.1.0');
  await writeUpdateRecord(r.layout.state, { state: 'rolled-back', from: '0.1.0', to: '0.3.0', reason: 'version 0.3.0 did not reach the server in 3 starts', at: Date.now(), reported: false });
  const a = await start(srv, r, '0.1.0');
  try {
    await waitFor('rolled-back reported', () => srv.connections[0]?.updates.length === 1);
    assert.deepEqual(srv.connections[0]?.updates, [{ type: 'updateStatus', version: '0.3.0', state: 'rolled-back', error: 'version 0.3.0 did not reach the server in 3 starts' }]);
    await waitFor('reported flag', async () => { const x = await readUpdateRecord(r.layout.state); return x?.state === 'rolled-back' && x.reported; });
  } finally {
    await a.stop();
  }
});
