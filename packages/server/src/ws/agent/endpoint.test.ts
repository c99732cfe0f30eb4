/**
 * The agent endpoint over a real HTTPS server on 127.0.0.1, with a node:crypto P-256 test agent:
 * handshake, refusals and holds, enrolment, newest-connection-wins, presence, inventory,
 * admission control, shutdown. "Held" and "not closed" are read from the endpoint's own counters
 * (set synchronously with the refusal), never inferred from waiting.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey, randomBytes, sign, verify } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import WebSocket from 'ws';
import {
  AGENT_CLOSE_CODES,
  AGENT_WS_PATH,
  bytesToBase64,
  challengeBytes,
  GROUP_FULL,
  ServerChallenge,
  ServerKnown,
  ServerLater,
  ServerRefused,
  ServerWelcome,
  serverTranscript,
  type SystemInventory,
} from '@meshwork/protocol';
import type { DeviceGroupRecord, UserRecord } from '@meshwork/store';
import { reportHash } from '../../domain/agents/inventory.js';
import { newEnrolmentToken } from '../../domain/enrolment/tokens.js';
import { addGroup, testEnrolmentKey, addUser, call, principalOf, testSystem, type TestSystem } from '../../domain/testkit/system.js';
import { eventually, startAgentServer, type AgentServer } from './testing/agent-server.js';
import { authFor, handshake, helloFor, newAgentKey, openAgentSocket, testInfo, type AgentSocket } from './testing/test-agent.js';

const refusal = (v: unknown) => ServerRefused.parse(v);
const eventsOf = async (t: TestSystem, deviceId: string, type: string) => (await t.sys.store.listEvents({ deviceId, type, limit: 100 })).length;

const inventory = (hostname = 'pi-1'): SystemInventory => ({
  hostname,
  os: { name: 'Debian GNU/Linux', version: '12 (bookworm)', kernel: '6.1.0', platform: 'linux' },
  arch: 'arm64',
  cpu: { model: 'Cortex-A72', cores: 4 },
  memory: { totalBytes: 4e9, freeBytes: 1e9 },
  disks: [{ mount: '/', fsType: 'ext4', device: '/dev/mmcblk0p2', totalBytes: 3e10, usedBytes: 1e10, freeBytes: 2e10 }],
  network: [{ name: 'eth0', mac: 'dc:a6:32:00:11:22', addresses: ['192.168.1.20/24'] }],
  users: ['pi'],
  bootTime: 1_700_000_000_000,
  agentVersion: '0.1.0',
});

describe('agent endpoint: handshake, refusals, enrolment', () => {
  let t: TestSystem;
  let srv: AgentServer;
  let group: DeviceGroupRecord;
  let other: DeviceGroupRecord;
  let user: UserRecord;

  before(async () => {
    t = await testSystem();
    user = await addUser(t.sys, 'viewer');
    group = await addGroup(t.sys, 'Raspberries', [{ subjectId: user.id, rights: GROUP_FULL }]);
    other = await addGroup(t.sys, 'Other', [{ subjectId: user.id, rights: GROUP_FULL }]);
    srv = await startAgentServer(t.sys, { holdMs: 3_600_000, maxHeld: 100 });
  });
  after(async () => {
    await srv.close();
    await t.close();
  });

  it('welcomes a valid agent: proves the ServerID, derives the device id, enrols it, sends known', async () => {
    const key = await newAgentKey();
    const h = await handshake(srv.base, key, testInfo({ enrolmentKey: testEnrolmentKey(group.id), hostname: 'pi\u202e-1' }));
    const c = challengeBytes(ServerChallenge.parse(h.challenge));
    assert.equal(createHash('sha384').update(c.serverPublicKey).digest('hex'), t.sys.identity.serverId, 'the challenge key is the ServerID key');
    const serverKey = createPublicKey({ key: Buffer.from(c.serverPublicKey), format: 'der', type: 'spki' });
    assert.ok(verify('sha256', serverTranscript(h.ctx.tlsCertHash, h.ctx.agentNonce, c.serverNonce), { key: serverKey, dsaEncoding: 'der' }, c.serverSignature));
    assert.ok(c.serverNonce.length >= 32);

    assert.deepEqual(ServerWelcome.parse(h.result), { type: 'welcome', deviceId: key.deviceId, groupId: group.id });
    assert.deepEqual(ServerKnown.parse(await h.sock.next()), { type: 'known', inventoryHash: null, softwareHash: null });
    const d = await t.sys.store.getDevice(key.deviceId);
    assert.equal(d?.groupId, group.id);
    assert.equal(d?.name, 'pi-1', 'the bidi override is removed from the hostname');
    await eventually(async () => (await eventsOf(t, key.deviceId, 'device.online')) === 1, 'device.online');
    assert.equal(await eventsOf(t, key.deviceId, 'device.enrolled'), 1);
    assert.equal(srv.endpoint.connected, 1);
    h.sock.ws.close();
    await h.sock.closed;
    await eventually(() => srv.endpoint.connected === 0, 'the session to end');
  });

  it('refuses a tlsCertHash of a certificate the server does not serve, and holds the socket', async () => {
    const sock = await openAgentSocket(srv.base);
    const heldBefore = srv.endpoint.held;
    sock.send(helloFor(sock.tlsCertDer, { tlsCertHash: randomBytes(48) }).hello);
    const r = refusal(await sock.next());
    assert.equal(r.code, 'tls_cert_mismatch');
    assert.ok((r.retryAfterMs ?? 0) >= 3_600_000, 'told to wait at least the hold time');
    assert.equal(srv.endpoint.held, heldBefore + 1, 'held, not closed');
    assert.equal(sock.ws.readyState, WebSocket.OPEN);
    sock.ws.terminate();
  });

  it('accepts the hash of a TLS-offloading proxy certificate from the config', async () => {
    const proxyHash = randomBytes(48);
    const proxied = await startAgentServer(t.sys, { tlsCertHashes: [proxyHash.toString('hex')], clearStalePresence: false });
    try {
      const sock = await openAgentSocket(proxied.base);
      sock.send(helloFor(sock.tlsCertDer, { tlsCertHash: proxyHash }).hello);
      assert.equal(ServerChallenge.safeParse(await sock.next()).success, true);
      sock.ws.terminate();
    } finally {
      await proxied.close();
    }
  });

  it('refuses an unsupported protocol version', async () => {
    const sock = await openAgentSocket(srv.base);
    sock.send(helloFor(sock.tlsCertDer, { protocolVersion: 99 }).hello);
    assert.equal(refusal(await sock.next()).code, 'unsupported_version');
    sock.ws.terminate();
  });

  it('an auth replayed on another connection (other nonces) fails with bad_signature', async () => {
    const key = await newAgentKey();
    const first = await openAgentSocket(srv.base);
    const { hello, ctx } = helloFor(first.tlsCertDer);
    first.send(hello);
    const auth = authFor(key, ctx, await first.next(), testInfo({ enrolmentKey: testEnrolmentKey(group.id) }));
    first.ws.terminate();
    const second = await openAgentSocket(srv.base);
    second.send(hello); // even the very same hello: the server nonce differs
    assert.equal(ServerChallenge.safeParse(await second.next()).success, true);
    second.send(auth);
    assert.equal(refusal(await second.next()).code, 'bad_signature');
    assert.equal(await t.sys.store.getDevice(key.deviceId), null);
    second.ws.terminate();
  });

  it('a signature of the other direction fails: the agent signing serverTranscript, or the server signature reflected', async () => {
    const key = await newAgentKey();
    const a = await openAgentSocket(srv.base);
    const ha = helloFor(a.tlsCertDer);
    a.send(ha.hello);
    const ca = challengeBytes(ServerChallenge.parse(await a.next()));
    const wrongDirection = sign('sha256', serverTranscript(ha.ctx.tlsCertHash, ha.ctx.agentNonce, ca.serverNonce), { key: key.privateKey, dsaEncoding: 'der' });
    a.send({ type: 'auth', agentPublicKey: bytesToBase64(key.spki), agentSignature: bytesToBase64(wrongDirection), info: testInfo({ enrolmentKey: testEnrolmentKey(group.id) }) });
    assert.equal(refusal(await a.next()).code, 'bad_signature');
    a.ws.terminate();

    const b = await openAgentSocket(srv.base);
    b.send(helloFor(b.tlsCertDer).hello);
    const cb = ServerChallenge.parse(await b.next());
    b.send({ type: 'auth', agentPublicKey: cb.serverPublicKey, agentSignature: cb.serverSignature, info: testInfo({ enrolmentKey: testEnrolmentKey(group.id) }) });
    assert.equal(refusal(await b.next()).code, 'bad_signature');
    assert.equal(await t.sys.store.getDevice(t.sys.identity.serverId), null, 'nobody enrols as the ServerID');
    b.ws.terminate();
  });

  it('refuses a certificate for another key', async () => {
    const key = await newAgentKey();
    const stranger = await newAgentKey();
    const sock = await openAgentSocket(srv.base);
    const { hello, ctx } = helloFor(sock.tlsCertDer);
    sock.send(hello);
    sock.send(authFor(key, ctx, await sock.next(), testInfo({ enrolmentKey: testEnrolmentKey(group.id) }), { certificate: stranger.certificate }));
    assert.equal(refusal(await sock.next()).code, 'bad_signature');
    sock.ws.terminate();
  });

  it('a second hello or auth on one socket is refused with duplicate_auth and closed', async () => {
    const sock = await openAgentSocket(srv.base);
    const { hello } = helloFor(sock.tlsCertDer);
    sock.send(hello);
    await sock.next();
    sock.send(hello);
    assert.equal(refusal(await sock.next()).code, 'duplicate_auth');
    assert.equal((await sock.closed).code, AGENT_CLOSE_CODES.policy);

    const key = await newAgentKey();
    const h = await handshake(srv.base, key, testInfo({ enrolmentKey: testEnrolmentKey(group.id) }));
    assert.equal(ServerWelcome.parse(h.result).deviceId, key.deviceId);
    await h.sock.next(); // known
    h.sock.send(authFor(key, h.ctx, h.challenge));
    assert.equal(refusal(await h.sock.next()).code, 'duplicate_auth');
    assert.equal((await h.sock.closed).code, AGENT_CLOSE_CODES.policy);
  });

  it('a deeply nested frame after welcome is refused before JSON.parse (the fuzzer found one froze the server for ~36 s)', async () => {
    const key = await newAgentKey();
    const h = await handshake(srv.base, key, testInfo({ enrolmentKey: testEnrolmentKey(group.id) }));
    assert.equal(ServerWelcome.parse(h.result).deviceId, key.deviceId);
    await h.sock.next(); // known
    const depth = 2_000_000; // 4 MB, under the 4 MiB session frame limit
    h.sock.ws.send('['.repeat(depth) + ']'.repeat(depth));
    const r = refusal(await h.sock.next());
    assert.equal(r.code, 'bad_message');
    assert.match(r.message, /nested deeper than 64 levels/);
    assert.equal((await h.sock.closed).code, AGENT_CLOSE_CODES.policy);
  });

  it('an unknown group and no token: not_enrolled, with a reason, and the socket is held', async () => {
    const key = await newAgentKey();
    const heldBefore = srv.endpoint.held;
    const h = await handshake(srv.base, key, testInfo({ groupId: randomBytes(48).toString('hex') }));
    const r = refusal(h.result);
    assert.equal(r.code, 'not_enrolled');
    assert.match(r.message, /group/);
    assert.ok(r.retryAfterMs !== undefined);
    assert.equal(srv.endpoint.held, heldBefore + 1);
    assert.equal(h.sock.ws.readyState, WebSocket.OPEN);
    assert.equal(await t.sys.store.getDevice(key.deviceId), null);
    h.sock.ws.terminate();

    const bare = await handshake(srv.base, await newAgentKey());
    assert.equal(refusal(bare.result).code, 'not_enrolled');
    bare.sock.ws.terminate();
  });

  it('an enrolment token with maxUses 1 enrols one device into its group, then bad_enrolment_token', async () => {
    const tok = newEnrolmentToken();
    await t.sys.store.createEnrolmentToken({ id: tok.id, groupId: other.id, secretHash: tok.secretHash, createdAt: t.sys.now(), createdBy: null, expiresAt: null, maxUses: 1, uses: 0 });
    const a = await newAgentKey();
    const ha = await handshake(srv.base, a, testInfo({ enrolmentKey: testEnrolmentKey(group.id), enrolmentToken: tok.token }));
    assert.equal(ServerWelcome.parse(ha.result).groupId, other.id, "the token's group");
    const b = await newAgentKey();
    const hb = await handshake(srv.base, b, testInfo({ enrolmentKey: testEnrolmentKey(group.id), enrolmentToken: tok.token }));
    assert.equal(refusal(hb.result).code, 'bad_enrolment_token');
    assert.equal(await t.sys.store.getDevice(b.deviceId), null);
    hb.sock.ws.terminate();
    ha.sock.ws.close();
    await ha.sock.closed;
    // The enrolled device needs no token any more.
    const again = await handshake(srv.base, a, testInfo({ enrolmentToken: tok.token }));
    assert.equal(ServerWelcome.parse(again.result).groupId, other.id);
    again.sock.ws.close();

    for (const bad of ['mwe_nope', newEnrolmentToken().token]) {
      const h = await handshake(srv.base, await newAgentKey(), testInfo({ enrolmentKey: testEnrolmentKey(group.id), enrolmentToken: bad }));
      assert.equal(refusal(h.result).code, 'bad_enrolment_token', bad);
      h.sock.ws.terminate();
    }
  });

  it("a known device in another group: the server's group wins over the install file", async () => {
    const key = await newAgentKey();
    await t.sys.store.upsertDevice({ id: key.deviceId, groupId: other.id, name: 'moved', tags: [], notes: '', os: null, info: {}, infoHash: null, lastSeen: null, createdAt: t.sys.now() });
    const h = await handshake(srv.base, key, testInfo({ enrolmentKey: testEnrolmentKey(group.id) }));
    assert.deepEqual(ServerWelcome.parse(h.result), { type: 'welcome', deviceId: key.deviceId, groupId: other.id });
    assert.equal((await t.sys.store.getDevice(key.deviceId))?.name, 'moved', 'an admin-given name stays');
    h.sock.ws.close();
    await h.sock.closed;
  });

  it('the newest connection for a device wins: the older one gets superseded, the device stays online', async () => {
    const key = await newAgentKey();
    const first = await handshake(srv.base, key, testInfo({ enrolmentKey: testEnrolmentKey(group.id) }));
    ServerWelcome.parse(first.result);
    await first.sock.next(); // known
    const second = await handshake(srv.base, key, testInfo({ enrolmentKey: testEnrolmentKey(group.id) }));
    ServerWelcome.parse(second.result);
    assert.equal(refusal(await first.sock.next()).code, 'superseded');
    assert.equal((await first.sock.closed).code, AGENT_CLOSE_CODES.policy);
    await eventually(async () => (await eventsOf(t, key.deviceId, 'device.superseded')) === 1, 'device.superseded');
    const presence = await t.sys.store.getPresence(key.deviceId);
    assert.equal(presence?.workerId, t.sys.bus.workerId);
    const list = await call(t.sys, 'devices.list', principalOf(user), { query: {} });
    assert.equal(list.find((d) => d.id === key.deviceId)?.online, true, 'still online through the newer connection');
    assert.equal(await eventsOf(t, key.deviceId, 'device.offline'), 0);
    second.sock.ws.close();
    await second.sock.closed;
    await eventually(async () => (await eventsOf(t, key.deviceId, 'device.offline')) === 1, 'device.offline');
  });

  it('presence: devices.list shows online while connected and offline after; the timeline records both', async () => {
    const key = await newAgentKey();
    const h = await handshake(srv.base, key, testInfo({ enrolmentKey: testEnrolmentKey(group.id), hostname: 'presence-box' }));
    ServerWelcome.parse(h.result);
    const online = async () => (await call(t.sys, 'devices.list', principalOf(user), { query: { q: 'presence-box' } }))[0]?.online;
    assert.equal(await online(), true, 'online as soon as welcome was sent');
    h.sock.ws.close();
    await h.sock.closed;
    await eventually(async () => (await online()) === false, 'offline in devices.list');
    await eventually(async () => (await t.sys.store.listTimeline(key.deviceId, 0)).length === 2, 'two timeline rows');
    assert.deepEqual((await t.sys.store.listTimeline(key.deviceId, 0)).map((r) => r.state), ['online', 'offline']);
    assert.ok((await t.sys.store.getDevice(key.deviceId))?.lastSeen !== null);
  });

  it('stores inventory and software once, and does not ask for them again while the hashes match', async () => {
    const key = await newAgentKey();
    const inv = inventory('inv-box');
    const sw = { source: 'dpkg' as const, packages: [{ name: 'openssl', version: '3.0.11' }] };
    const h = await handshake(srv.base, key, testInfo({ enrolmentKey: testEnrolmentKey(group.id) }));
    ServerWelcome.parse(h.result);
    assert.deepEqual(ServerKnown.parse(await h.sock.next()), { type: 'known', inventoryHash: null, softwareHash: null });
    h.sock.send({ type: 'inventory', hash: reportHash(inv), inventory: inv });
    h.sock.send({ type: 'software', hash: reportHash(sw), software: sw });
    await eventually(async () => (await eventsOf(t, key.deviceId, 'device.inventory')) === 2, 'two inventory events');
    const d = await t.sys.store.getDevice(key.deviceId);
    assert.equal(d?.os, 'Debian GNU/Linux 12 (bookworm)');
    assert.equal(d?.infoHash, reportHash(inv));
    assert.deepEqual(d?.info['system'], inv);
    assert.equal(d?.info['software'], undefined, 'installed software is kept apart from the device row');
    const stored = await t.sys.store.getDeviceSoftware(key.deviceId);
    assert.deepEqual(stored && { source: stored.source, packages: stored.packages }, sw);
    h.sock.ws.close();
    await h.sock.closed;

    const again = await handshake(srv.base, key, testInfo());
    ServerWelcome.parse(again.result);
    assert.deepEqual(ServerKnown.parse(await again.sock.next()), { type: 'known', inventoryHash: reportHash(inv), softwareHash: reportHash(sw) });
    // An unchanged report changes nothing; the changed one after it is stored (same ordered queue).
    again.sock.send({ type: 'inventory', hash: reportHash(inv), inventory: inv });
    const sw2 = { ...sw, packages: [...sw.packages, { name: 'curl', version: '7.88' }] };
    again.sock.send({ type: 'software', hash: reportHash(sw2), software: sw2 });
    await eventually(async () => (await t.sys.store.getDeviceSoftwareHash(key.deviceId)) === reportHash(sw2), 'the new software list');
    assert.equal(await eventsOf(t, key.deviceId, 'device.inventory'), 3, 'no event for the unchanged report');

    const changed = { ...inv, hostname: 'tampered' };
    again.sock.send({ type: 'inventory', hash: reportHash(inv), inventory: changed });
    const r = refusal(await again.sock.next());
    assert.equal(r.code, 'bad_message');
    assert.match(r.message, /hash/);
    assert.equal((await again.sock.closed).code, AGENT_CLOSE_CODES.policy);
    assert.equal(((await t.sys.store.getDevice(key.deviceId))?.info['system'] as SystemInventory).hostname, 'inv-box');
  });

  it('refuses browsers (Origin header) at the HTTP upgrade', async () => {
    await assert.rejects(openAgentSocket(srv.base, { headers: { Origin: 'https://evil.example' } }), (e: { status?: number }) => e.status === 403);
  });

  it('binary frames and oversize handshake frames end with bad_message and 1003 / 1009', async () => {
    const a = await openAgentSocket(srv.base);
    a.ws.send(Buffer.from('{"type":"hello"}'), { binary: true });
    assert.equal(refusal(await a.next()).code, 'bad_message');
    assert.equal((await a.closed).code, AGENT_CLOSE_CODES.unsupportedData);
    const b = await openAgentSocket(srv.base);
    b.send(JSON.stringify({ type: 'hello', pad: 'x'.repeat(20_000) }));
    assert.equal(refusal(await b.next()).code, 'bad_message');
    assert.equal((await b.closed).code, AGENT_CLOSE_CODES.tooBig);
  });

  it('records the capabilities an agent announced: what it lacks is refused with not_supported, never sent', async () => {
    const key = await newAgentKey();
    const h = await handshake(srv.base, key, testInfo({ enrolmentKey: testEnrolmentKey(group.id), hostname: 'caps-box', capabilities: ['inventory', 'terminal'] }));
    ServerWelcome.parse(h.result);
    await h.sock.next(); // known
    try {
      const power = call(t.sys, 'devices.power', principalOf(user), { params: { id: key.deviceId }, body: { action: 'reboot' } });
      await assert.rejects(power, (e: unknown) => (e as { code?: string }).code === 'not_supported' && /does not support `power`/.test((e as Error).message));
      assert.deepEqual(h.sock.frames.map((f) => (f as { type: string }).type), ['challenge', 'welcome', 'known'], 'no power frame reached the agent');
      assert.equal((await t.sys.store.listEvents({ type: 'device.power', limit: 5 })).length, 0, 'refused before it is audited as asked');
    } finally {
      h.sock.ws.terminate();
    }
  });

  it('counts handshakes and connected agents in the metrics', () => {
    const values = (t.sys.metrics as unknown as { values: Map<string, number> }).values;
    assert.ok((values.get('meshwork_agent_handshakes_total{"result":"ok"}') ?? 0) >= 5);
    assert.ok((values.get('meshwork_agent_refusals_total{"code":"bad_signature"}') ?? 0) >= 3);
    assert.equal(typeof values.get('meshwork_agents_connected'), 'number');
  });
});

describe('agent endpoint: admission, holds, timeouts, shutdown', () => {
  let t: TestSystem;
  let group: DeviceGroupRecord;
  const frozen = (): number => 0;

  before(async () => {
    t = await testSystem();
    group = await addGroup(t.sys, 'Fleet');
  });
  after(() => t.close());

  it('beyond the token bucket, agents wait at the upgrade (no refusal) until a token is there', async () => {
    let now = 0;
    const srv = await startAgentServer(t.sys, { handshakeRate: 10, handshakeBurst: 2, clock: () => now, clearStalePresence: false });
    try {
      const socks = await Promise.all([openAgentSocket(srv.base), openAgentSocket(srv.base)]);
      const third = openAgentSocket(srv.base);
      await eventually(() => srv.endpoint.waiting === 1, 'the third agent to wait for a token');
      assert.equal(srv.endpoint.handshaking, 2, 'the clock stands still: no token, the third one is not let in');
      now += 1_000; // tokens again: the queue's timer lets it through
      const s3 = await third;
      s3.send(helloFor(s3.tlsCertDer).hello);
      assert.equal(ServerChallenge.safeParse(await s3.next()).success, true, 'served, not refused');
      assert.equal(srv.endpoint.waiting, 0);
      for (const s of [...socks, s3]) s.ws.terminate();
    } finally {
      await srv.close();
    }
  });

  it('an agent that waited for a token longer than the limit gets HTTP 503, not a handshake it cannot finish', async () => {
    let now = 0;
    const srv = await startAgentServer(t.sys, { handshakeRate: 10, handshakeBurst: 1, acceptQueueWaitMs: 5_000, clock: () => now, clearStalePresence: false });
    try {
      const first = await openAgentSocket(srv.base);
      const late = openAgentSocket(srv.base);
      await eventually(() => srv.endpoint.waiting === 1, 'the second agent to wait for a token');
      now += 6_000;
      await assert.rejects(late, (e: unknown) => (e as { status?: number }).status === 503);
      assert.equal(srv.endpoint.waiting, 0);
      first.ws.terminate();
    } finally {
      await srv.close();
    }
  });

  it('the accept queue is bounded: a full queue and a wait past the limit close the connection unserved', async () => {
    let now = 0;
    const srv = await startAgentServer(t.sys, { maxPendingHandshakes: 1, acceptQueueMax: 1, acceptQueueWaitMs: 5_000, clock: () => now, clearStalePresence: false });
    try {
      const first = await openAgentSocket(srv.base); // holds the only slot, says nothing
      await eventually(() => srv.endpoint.handshaking === 1, 'the first handshake to start');
      const waiting = openAgentSocket(srv.base);
      await eventually(() => srv.endpoint.waiting === 1, 'one connection waiting at accept');
      await assert.rejects(openAgentSocket(srv.base), 'the queue is full: closed before TLS');
      now += 6_000; // longer than it may wait: dropped when its turn comes
      first.ws.terminate();
      await assert.rejects(waiting, 'waited too long: closed before TLS');
      assert.equal(srv.endpoint.waiting, 0);
    } finally {
      await srv.close();
    }
  });

  it('beyond the cap of handshakes in progress, new agents wait at accept until a slot frees', async () => {
    const srv = await startAgentServer(t.sys, { maxPendingHandshakes: 1, clearStalePresence: false });
    try {
      const slow = await openAgentSocket(srv.base); // holds the only slot, says nothing
      await eventually(() => srv.endpoint.handshaking === 1, 'the first handshake to start');
      const late = openAgentSocket(srv.base);
      await eventually(() => srv.endpoint.waiting === 1, 'the second connection to wait at accept');
      slow.ws.terminate();
      const next = await late;
      next.send(helloFor(next.tlsCertDer).hello);
      assert.equal(ServerChallenge.safeParse(await next.next()).success, true);
      next.ws.terminate();
    } finally {
      await srv.close();
    }
  });

  it('holds are capped: beyond maxHeld a refused socket is closed at once', async () => {
    const srv = await startAgentServer(t.sys, { holdMs: 3_600_000, maxHeld: 1, clearStalePresence: false });
    try {
      const a = await handshake(srv.base, await newAgentKey());
      assert.equal(refusal(a.result).code, 'not_enrolled');
      assert.equal(srv.endpoint.held, 1);
      const b = await handshake(srv.base, await newAgentKey());
      assert.equal(refusal(b.result).code, 'not_enrolled');
      assert.equal((await b.sock.closed).code, AGENT_CLOSE_CODES.policy);
      a.sock.ws.terminate();
    } finally {
      await srv.close();
    }
    assert.equal(srv.endpoint.held, 0, 'shutdown releases held sockets');
  });

  it('a held socket is closed with 1008 when the hold ends', async () => {
    const srv = await startAgentServer(t.sys, { holdMs: 20, clearStalePresence: false });
    try {
      const h = await handshake(srv.base, await newAgentKey());
      assert.equal(refusal(h.result).code, 'not_enrolled');
      assert.equal((await h.sock.closed).code, AGENT_CLOSE_CODES.policy);
      assert.equal(srv.endpoint.held, 0);
    } finally {
      await srv.close();
    }
  });

  it('a handshake that does not finish in time is refused with handshake_timeout', async () => {
    const srv = await startAgentServer(t.sys, { handshakeTimeoutMs: 30, clearStalePresence: false });
    try {
      const s = await openAgentSocket(srv.base);
      assert.equal(refusal(await s.next()).code, 'handshake_timeout');
      assert.equal((await s.closed).code, AGENT_CLOSE_CODES.policy);
    } finally {
      await srv.close();
    }
  });

  it('more reports than the per-connection limit: rate_limited and 1008', async () => {
    const srv = await startAgentServer(t.sys, { reportsPerMinute: 2, clock: frozen, clearStalePresence: false });
    try {
      const h = await handshake(srv.base, await newAgentKey(), testInfo({ enrolmentKey: testEnrolmentKey(group.id) }));
      ServerWelcome.parse(h.result);
      await h.sock.next(); // known
      const inv = inventory();
      for (let i = 0; i < 3; i++) h.sock.send({ type: 'inventory', hash: reportHash(inv), inventory: inv });
      assert.equal(refusal(await h.sock.next()).code, 'rate_limited');
      assert.equal((await h.sock.closed).code, AGENT_CLOSE_CODES.policy);
    } finally {
      await srv.close();
    }
  });

  it('a session that stops answering pings is dropped and marked offline', async () => {
    const srv = await startAgentServer(t.sys, { pingIntervalMs: 10, idleTimeoutMs: 30, clearStalePresence: false });
    try {
      const key = await newAgentKey();
      const silent = new WebSocket(`${srv.base}${AGENT_WS_PATH}`, { rejectUnauthorized: false, autoPong: false });
      silent.on('error', () => undefined);
      let certDer = Buffer.alloc(0);
      silent.on('upgrade', (res) => (certDer = (res.socket as TLSSocket).getPeerX509Certificate()?.raw ?? certDer));
      const next = (): Promise<unknown> => new Promise((r) => silent.once('message', (d) => r(JSON.parse(String(d)))));
      const closed = new Promise<number>((r) => silent.on('close', (code) => r(code)));
      await new Promise((r) => silent.once('open', r));
      const { hello, ctx } = helloFor(certDer);
      silent.send(JSON.stringify(hello));
      silent.send(JSON.stringify(authFor(key, ctx, await next(), testInfo({ enrolmentKey: testEnrolmentKey(group.id) }))));
      ServerWelcome.parse(await next());
      assert.equal(await closed, 1006, 'terminated without a close frame');
      await eventually(async () => (await t.sys.store.listTimeline(key.deviceId, 0)).some((r) => r.detail === 'idle timeout'), 'the idle timeline row');
      assert.equal(await t.sys.store.getPresence(key.deviceId), null);
    } finally {
      await srv.close();
    }
  });

  it('clears presence left by a previous run at start', async () => {
    const key = await newAgentKey();
    await t.sys.store.upsertDevice({ id: key.deviceId, groupId: group.id, name: 'stale', tags: [], notes: '', os: null, info: {}, infoHash: null, lastSeen: null, createdAt: t.sys.now() });
    await t.sys.store.setPresence({ deviceId: key.deviceId, workerId: 'dead-worker', connectionId: 'c', connectedAt: 0, remoteAddress: '10.0.0.1' });
    const srv = await startAgentServer(t.sys);
    try {
      assert.equal(await t.sys.store.getPresence(key.deviceId), null);
      assert.deepEqual((await t.sys.store.listTimeline(key.deviceId, 0)).map((r) => [r.state, r.detail]), [['offline', 'server restarted']]);
    } finally {
      await srv.close();
    }
  });

  it('shutdown sends every agent `later` with a spread retryAfterMs, closes with 1012 and clears presence', async () => {
    const srv = await startAgentServer(t.sys, { clearStalePresence: false, handshakeRate: 1, shutdownSpreadMinMs: 1_000, shutdownReturnAfterMs: 500 });
    const keys = await Promise.all([newAgentKey(), newAgentKey(), newAgentKey()]);
    const socks: AgentSocket[] = [];
    for (const k of keys) {
      const h = await handshake(srv.base, k, testInfo({ enrolmentKey: testEnrolmentKey(group.id) }));
      ServerWelcome.parse(h.result);
      await h.sock.next(); // known
      socks.push(h.sock);
    }
    const pending = await openAgentSocket(srv.base);
    await eventually(() => srv.endpoint.handshaking === 1, 'the pending handshake');
    await srv.close();
    for (const s of socks) {
      const later = ServerLater.parse(await s.next());
      assert.ok(later.retryAfterMs >= 500 && later.retryAfterMs <= 3_500, 'after the restart allowance, spread over N / rate = 3 s');
      assert.equal((await s.closed).code, AGENT_CLOSE_CODES.restart);
    }
    const r = refusal(await pending.next());
    assert.equal(r.code, 'overloaded');
    assert.equal((await pending.closed).code, AGENT_CLOSE_CODES.restart);
    for (const k of keys) {
      assert.equal(await t.sys.store.getPresence(k.deviceId), null);
      assert.equal((await t.sys.store.listTimeline(k.deviceId, 0)).at(-1)?.detail, 'server shutdown');
    }
    assert.equal(srv.endpoint.connected, 0);
  });
});
