/**
 * The relay endpoint over a real HTTPS server on 127.0.0.1: sessions opened through the handler
 * (rights, presence, relayOpen on the bus), both ends authenticated, pairing, piping with bounded
 * buffering, refusals passed from the agent to the user, expiry, and revocation.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { GROUP_RIGHTS, RELAY_AGENT_PATH, RELAY_CLOSE_CODES, RELAY_MAX_FRAME, ServerRelayOpen, type CreateRelaySession } from '@meshwork/protocol';
import type { DeviceRecord, UserRecord } from '@meshwork/store';
import { newApiToken } from '../../auth/api-tokens.js';
import { startSession } from '../../auth/sessions.js';
import { AGENT_CONTROL_CHANNEL, isAgentControlMessage } from '../../domain/relay/control.js';
import { openRelaySession } from '../../domain/relay/open.js';
import { InProcessRelaySessions, RELAY_LIMITS } from '../../domain/relay/registry.js';
import { addDevice, addGroup, addUser, principalOf, testSystem, type TestSystem } from '../../domain/testkit/system.js';
import { ApiError } from '../../errors.js';
import { attachRelayEndpoint, type RelayEndpoint } from './endpoint.js';

interface Opened {
  ws: WebSocket;
  closed: Promise<{ code: number; reason: string }>;
}

describe('relay endpoint', () => {
  let t: TestSystem;
  let server: Server;
  let relay: RelayEndpoint;
  let base: string;
  let alice: UserRecord;
  let bob: UserRecord;
  let aliceToken: string;
  let bobToken: string;
  let device: DeviceRecord;
  const tokens: string[] = [];

  const bearer = async (u: UserRecord): Promise<string> => {
    const { record, secret } = newApiToken(u.id, 'relay-test', t.sys.now(), null);
    await t.sys.store.createApiToken(record);
    return secret;
  };

  /** Opens a session as alice and returns the user secret and the agent token sent on the bus. */
  const session = async (body: CreateRelaySession = { protocol: 'files' }, who: UserRecord = alice): Promise<{ sessionId: string; token: string; relayId: string }> => {
    const sent = new Promise<ServerRelayOpen>((resolve) => {
      const off = t.sys.bus.subscribe(AGENT_CONTROL_CHANNEL, (m) => {
        if (!isAgentControlMessage(m) || m.frame.type !== 'relayOpen') return;
        off();
        resolve(m.frame);
      });
    });
    const info = await openRelaySession(t.sys, principalOf(who), device.id, body);
    const frame = await sent;
    tokens.push(frame.token);
    assert.equal(frame.relayId, info.relayId);
    return { sessionId: info.sessionId, token: frame.token, relayId: info.relayId };
  };

  const connect = (path: string, headers: Record<string, string>, at = base): Promise<Opened | { status: number }> =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(`${at}${path}`, { ca: t.sys.identity.caCertPem, headers, maxPayload: RELAY_MAX_FRAME });
      const closed = new Promise<{ code: number; reason: string }>((r) => ws.on('close', (code, reason) => r({ code, reason: String(reason) })));
      ws.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }));
      ws.on('error', (err) => {
        if (ws.readyState === WebSocket.CONNECTING) reject(err);
      });
      ws.on('open', () => resolve({ ws, closed }));
    });
  const user = async (sessionId: string, token = aliceToken, at?: string): Promise<Opened> => {
    const r = await connect(`/api/v1/relay?session=${sessionId}`, { authorization: `Bearer ${token}` }, at);
    assert.ok('ws' in r, `refused: ${JSON.stringify(r)}`);
    return r;
  };
  const agent = async (token: string): Promise<Opened> => {
    const r = await connect(`${RELAY_AGENT_PATH}?session=${token}`, {});
    assert.ok('ws' in r, `refused: ${JSON.stringify(r)}`);
    return r;
  };
  const next = (ws: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> => new Promise((r) => ws.once('message', (data: Buffer, isBinary: boolean) => r({ data, isBinary })));

  before(async () => {
    t = await testSystem();
    server = createServer({ key: t.sys.identity.tlsKeyPem, cert: t.sys.identity.tlsCertPem }, (_req, res) => res.writeHead(404).end());
    relay = await attachRelayEndpoint(t.sys, server, { pingIntervalMs: 3_600_000, recheckMs: 100 });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `wss://127.0.0.1:${(server.address() as AddressInfo).port}`;
    alice = await addUser(t.sys, 'alice');
    bob = await addUser(t.sys, 'bob');
    const group = await addGroup(t.sys, 'lab', [
      { subjectId: alice.id, rights: GROUP_RIGHTS.remoteControl | GROUP_RIGHTS.relay },
      { subjectId: bob.id, rights: GROUP_RIGHTS.remoteControl | GROUP_RIGHTS.noTerminal },
    ]);
    device = await addDevice(t.sys, group.id, 'pi');
    await t.sys.store.setPresence({ deviceId: device.id, workerId: t.sys.bus.workerId, connectionId: 'c1', connectedAt: t.sys.now(), remoteAddress: '127.0.0.1' });
    aliceToken = await bearer(alice);
    bobToken = await bearer(bob);
  });
  after(async () => {
    await relay.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await t.close();
  });

  it('opening checks the protocol right, presence and the options', async () => {
    const code = async (p: Promise<unknown>): Promise<string> => {
      try {
        await p;
        return 'ok';
      } catch (e) {
        assert.ok(e instanceof ApiError);
        return e.code;
      }
    };
    assert.equal(await code(openRelaySession(t.sys, principalOf(bob), device.id, { protocol: 'terminal' })), 'forbidden');
    assert.equal(await code(openRelaySession(t.sys, principalOf(bob), device.id, { protocol: 'tcp', host: 'localhost', port: 22 })), 'forbidden');
    const other = await addDevice(t.sys, (await addGroup(t.sys, 'hidden')).id, 'hidden');
    assert.equal(await code(openRelaySession(t.sys, principalOf(alice), other.id, { protocol: 'files' })), 'not_found');
    const offline = await addDevice(t.sys, device.groupId, 'offline');
    assert.equal(await code(openRelaySession(t.sys, principalOf(alice), offline.id, { protocol: 'files' })), 'device_offline');
    const s = await session({ protocol: 'terminal', cols: 120, rows: 40 });
    assert.ok(s.sessionId !== s.token);
  });

  it('pairs the two ends and pipes text and binary frames both ways, with events', async () => {
    const s = await session({ protocol: 'tcp', host: '127.0.0.1', port: 7 });
    const u = await user(s.sessionId);
    u.ws.send('early text'); // held until the agent comes
    const a = await agent(s.token);
    const first = await next(a.ws);
    assert.deepEqual([first.data.toString(), first.isBinary], ['early text', false]);
    const bin = randomBytes(100_000);
    a.ws.send(bin);
    const got = await next(u.ws);
    assert.ok(got.isBinary && got.data.equals(bin));
    u.ws.close(1000, 'bye');
    assert.deepEqual(await a.closed, { code: 1000, reason: 'bye' });
    let end;
    while (!(end = (await t.sys.store.listEvents({ limit: 50 })).find((e) => e.type === 'relay.end' && e.data.relayId === s.relayId))) await new Promise((r) => setTimeout(r, 10));
    assert.equal(end.data.bytesToDevice, 'early text'.length);
    assert.equal(end.data.bytesFromDevice, bin.length);
    assert.equal(end.data.protocol, 'tcp');
    assert.equal(end.actorId, alice.id);
    const start = (await t.sys.store.listEvents({ limit: 50 })).find((e) => e.type === 'relay.start' && e.data.relayId === s.relayId);
    assert.ok(start);
    assert.ok(!JSON.stringify([start, end]).includes(s.sessionId) && !JSON.stringify([start, end]).includes(s.token), 'no secret in events');
  });

  it('each end is authenticated and usable once', async () => {
    const s = await session();
    assert.deepEqual(await connect(`/api/v1/relay?session=${s.sessionId}`, {}), { status: 401 });
    assert.deepEqual(await connect(`/api/v1/relay?session=${s.sessionId}`, { authorization: `Bearer ${bobToken}` }), { status: 404 });
    assert.deepEqual(await connect(`/api/v1/relay?session=${s.token}`, { authorization: `Bearer ${aliceToken}` }), { status: 404 }, 'the agent token is not a user session id');
    assert.deepEqual(await connect(`${RELAY_AGENT_PATH}?session=${s.sessionId}`, {}), { status: 404 }, 'the user session id is not an agent token');
    assert.deepEqual(await connect(`${RELAY_AGENT_PATH}?session=${s.token}`, { origin: 'https://evil.example' }), { status: 403 });
    const u = await user(s.sessionId);
    assert.deepEqual(await connect(`/api/v1/relay?session=${s.sessionId}`, { authorization: `Bearer ${aliceToken}` }), { status: 404 }, 'second use');
    const a = await agent(s.token);
    assert.deepEqual(await connect(`${RELAY_AGENT_PATH}?session=${s.token}`, {}), { status: 404 }, 'second use');
    a.ws.close(1000);
    await u.closed;
  });

  it('a cookie session needs the own Origin and the CSRF token (no cross-site hijacking)', async () => {
    let cookie = '';
    const { csrfToken } = await startSession(t.sys, alice, '127.0.0.1', 'test', { setCookie: (_n, v) => void (cookie = v), clearCookie: () => {} });
    const origin = base.replace('wss://', 'https://');
    const s = await session();
    const path = `/api/v1/relay?session=${s.sessionId}`;
    assert.deepEqual(await connect(path, { cookie: `mw_session=${cookie}`, origin: 'https://evil.example' }), { status: 403 });
    assert.deepEqual(await connect(path, { cookie: `mw_session=${cookie}`, origin }), { status: 403 }, 'no csrf');
    assert.deepEqual(await connect(`${path}&csrf=wrong`, { cookie: `mw_session=${cookie}`, origin }), { status: 403 });
    const ok = await connect(`${path}&csrf=${csrfToken}`, { cookie: `mw_session=${cookie}`, origin });
    assert.ok('ws' in ok, 'own origin + csrf');
    const a = await agent(s.token);
    ok.ws.close(1000);
    await a.closed;
  });

  it("the agent's refusal reaches the user, whether the user waits or comes later", async () => {
    const s1 = await session();
    const u1 = await user(s1.sessionId);
    const a1 = await agent(s1.token);
    a1.ws.close(RELAY_CLOSE_CODES.forbidden, 'no files for you');
    assert.deepEqual(await u1.closed, { code: RELAY_CLOSE_CODES.forbidden, reason: 'no files for you' });
    const s2 = await session();
    const a2 = await agent(s2.token);
    a2.ws.close(RELAY_CLOSE_CODES.agentError, 'cannot connect to x:1: ECONNREFUSED');
    await a2.closed;
    while (relay.waiting > 0 && t.sys.relay.pending === 0) await new Promise((r) => setTimeout(r, 5));
    const u2 = await user(s2.sessionId);
    assert.deepEqual(await u2.closed, { code: RELAY_CLOSE_CODES.agentError, reason: 'cannot connect to x:1: ECONNREFUSED' });
  });

  it('a slow reader pauses the writer: the server holds a bounded number of bytes', async () => {
    const s = await session();
    const u = await user(s.sessionId);
    const a = await agent(s.token);
    u.ws.pause(); // the user reads nothing
    const total = 24 * 1024 * 1024;
    const chunk = randomBytes(64 * 1024);
    let maxHeld = 0;
    for (let sent = 0; sent < total; sent += chunk.length) {
      a.ws.send(chunk);
      if (sent % (1024 * 1024) === 0) {
        await new Promise((r) => setImmediate(r));
        maxHeld = Math.max(maxHeld, relay.bufferedBytes);
      }
    }
    // The agent's socket cannot drain while the server is paused: bytes pile up on the agent's side.
    while (a.ws.bufferedAmount === 0) await new Promise((r) => setTimeout(r, 5));
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 5));
      maxHeld = Math.max(maxHeld, relay.bufferedBytes);
    }
    assert.ok(a.ws.bufferedAmount > 0, 'the writer is held back');
    assert.ok(maxHeld <= 1024 * 1024 + RELAY_MAX_FRAME, `server held ${maxHeld} bytes`);
    let received = 0;
    u.ws.on('message', (d: Buffer) => (received += d.length));
    u.ws.resume();
    while (received < total) await new Promise((r) => setTimeout(r, 10));
    assert.equal(received, total);
    u.ws.close();
    await a.closed;
  });

  it('an unpaired session expires with 4008', async () => {
    const saved = t.sys.relay;
    t.sys.relay = new InProcessRelaySessions({ ...RELAY_LIMITS, pairTimeoutMs: 2_000 }); // long enough for a TLS connect on a loaded machine
    const server2 = createServer({ key: t.sys.identity.tlsKeyPem, cert: t.sys.identity.tlsCertPem });
    const r2 = await attachRelayEndpoint(t.sys, server2, { pingIntervalMs: 3_600_000 });
    await new Promise<void>((r) => server2.listen(0, '127.0.0.1', r));
    try {
      const s = await session();
      const u = await user(s.sessionId, aliceToken, `wss://127.0.0.1:${(server2.address() as AddressInfo).port}`);
      assert.equal((await u.closed).code, RELAY_CLOSE_CODES.pairTimeout);
    } finally {
      await r2.close();
      server2.closeAllConnections();
      await new Promise((r) => server2.close(r));
      t.sys.relay = saved;
    }
  });

  it('revoked rights end a running session with 4009', async () => {
    const carol = await addUser(t.sys, 'carol');
    await t.sys.store.setRightsLink({ groupId: device.groupId, subjectId: carol.id, subjectKind: 'user', rights: GROUP_RIGHTS.remoteControl });
    const carolToken = await bearer(carol);
    const s = await session({ protocol: 'files' }, carol);
    const u = await user(s.sessionId, carolToken);
    const a = await agent(s.token);
    await t.sys.store.removeRightsLink(device.groupId, carol.id);
    assert.equal((await u.closed).code, RELAY_CLOSE_CODES.revoked);
    assert.equal((await a.closed).code, RELAY_CLOSE_CODES.revoked);
  });
});
