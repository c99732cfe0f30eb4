/**
 * The browser event stream over a real HTTPS server on 127.0.0.1 (certificate from the server's
 * own generated identity): upgrade checks, visibility of events and device frames, bad frames.
 * "Not delivered" is proven by order, never by waiting: a hidden item is produced first, a
 * visible one second, and the first frame that arrives must be the visible one.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { EVENT_STREAM_PATH, GROUP_FULL, GROUP_RIGHTS, STREAM_MAX_FRAME, StreamServerFrame } from '@meshwork/protocol';
import type { UserRecord } from '@meshwork/store';
import { newApiToken } from '../auth/api-tokens.js';
import { startSession } from '../auth/sessions.js';
import { addDevice, addGroup, addUser, call, principalOf, testSystem, type TestSystem } from '../domain/testkit/system.js';
import { attachBrowserStream, type BrowserStream } from './browser-stream.js';

interface Client {
  ws: WebSocket;
  next(): Promise<StreamServerFrame>;
  closed: Promise<{ code: number; reason: string }>;
}
interface Refusal {
  status: number;
  body: { code: string; message: string };
}

describe('browser event stream', () => {
  let t: TestSystem;
  let server: Server;
  let stream: BrowserStream;
  let base: string;
  let origin: string;
  let user: UserRecord;
  let cookie: string;
  let csrf: string;

  const open = (path: string, headers: Record<string, string>, originHeader?: string): Promise<Client | Refusal> =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(`${base}${path}`, { ca: t.sys.identity.caCertPem, headers, ...(originHeader ? { origin: originHeader } : {}) });
      const queue: StreamServerFrame[] = [];
      const waiters: Array<(f: StreamServerFrame) => void> = [];
      ws.on('message', (data, isBinary) => {
        assert.equal(isBinary, false);
        const frame = StreamServerFrame.parse(JSON.parse(String(data)));
        const w = waiters.shift();
        if (w) w(frame);
        else queue.push(frame);
      });
      const closed = new Promise<{ code: number; reason: string }>((r) => ws.on('close', (code, reason) => r({ code, reason: String(reason) })));
      ws.on('unexpected-response', (_req, res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += String(c)));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Refusal['body'] }));
      });
      ws.on('error', (err) => {
        if (ws.readyState === WebSocket.CONNECTING) reject(err);
      });
      ws.on('open', () =>
        resolve({ ws, closed, next: () => new Promise((r) => (queue.length ? r(queue.shift() as StreamServerFrame) : waiters.push(r))) }),
      );
    });

  const good = async (): Promise<Client> => {
    const c = await open(`${EVENT_STREAM_PATH}?csrf=${csrf}`, { cookie: `mw_session=${cookie}` }, origin);
    assert.ok('ws' in c, `refused: ${JSON.stringify(c)}`);
    return c;
  };
  const refused = async (c: Promise<Client | Refusal>): Promise<Refusal> => {
    const r = await c;
    assert.ok(!('ws' in r), 'the upgrade was accepted');
    return r;
  };

  before(async () => {
    t = await testSystem();
    server = createServer({ key: t.sys.identity.tlsKeyPem, cert: t.sys.identity.tlsCertPem }, (_req, res) => res.writeHead(404).end());
    stream = attachBrowserStream(t.sys, server, { pingIntervalMs: 3_600_000, maxStreamsPerUser: 4 });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    base = `wss://127.0.0.1:${port}`;
    origin = `https://127.0.0.1:${port}`;
    user = await addUser(t.sys, 'streamer');
    const session = await startSession(t.sys, user, '127.0.0.1', 'test', {
      setCookie: (_n, v) => void (cookie = v),
      clearCookie: () => {},
    });
    csrf = session.csrfToken;
  });
  after(async () => {
    await stream.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await t.close();
  });

  it('says hello, then delivers only the events and device changes the user may see', async () => {
    const { sys } = t;
    const mine = await addGroup(sys, 'Streamed', [{ subjectId: user.id, rights: GROUP_RIGHTS.manageDevices }]);
    const hidden = await addGroup(sys, 'Not streamed');
    const myDevice = await addDevice(sys, mine.id, 'mine');
    const hiddenDevice = await addDevice(sys, hidden.id, 'theirs');
    const c = await good();
    assert.deepEqual(await c.next(), { type: 'hello', userId: user.id, protocolVersion: 1 });

    await sys.events.emit({ type: 'device.note', message: 'hidden', groupId: hidden.id });
    const visible = await sys.events.emit({ type: 'device.note', message: 'visible', groupId: mine.id });
    const f1 = await c.next();
    assert.equal(f1.type, 'event');
    assert.equal(f1.type === 'event' && f1.event.id, visible.id);

    const admin = await addUser(sys, 'stream-admin', 1);
    await call(sys, 'devices.update', principalOf(admin), { params: { id: hiddenDevice.id }, body: { name: 'theirs-2' } });
    await call(sys, 'devices.update', principalOf(user), { params: { id: myDevice.id }, body: { name: 'mine-2' } });
    const f2 = await c.next();
    assert.equal(f2.type === 'device' && f2.device.name, 'mine-2');
    const f3 = await c.next();
    assert.equal(f3.type === 'event' && f3.event.message, 'Renamed device mine to mine-2');
    c.ws.close();
  });

  it('follows rights changes: after a grant, the newly visible group streams', async () => {
    const { sys } = t;
    const owner = await addUser(sys, 'stream-owner');
    const g = await addGroup(sys, 'Granted later', [{ subjectId: owner.id, rights: GROUP_FULL }]);
    const c = await good();
    assert.equal((await c.next()).type, 'hello');
    await sys.events.emit({ type: 'device.note', message: 'before grant', groupId: g.id });
    await call(sys, 'groups.setRights', principalOf(owner), { params: { id: g.id, subjectId: user.id }, body: { rights: ['notes'] } });
    const granted = await c.next();
    assert.equal(granted.type === 'event' && granted.event.type, 'rights.granted');
    await sys.events.emit({ type: 'device.note', message: 'after grant', groupId: g.id });
    const after = await c.next();
    assert.equal(after.type === 'event' && after.event.message, 'after grant');
    c.ws.close();
  });

  it('refuses cookie upgrades without the own Origin or the CSRF token, with a JSON 403', async () => {
    const session = { cookie: `mw_session=${cookie}` };
    for (const [path, o] of [
      [`${EVENT_STREAM_PATH}?csrf=${csrf}`, undefined],
      [`${EVENT_STREAM_PATH}?csrf=${csrf}`, 'https://evil.example'],
      [`${EVENT_STREAM_PATH}?csrf=${csrf}`, 'http://127.0.0.1'],
    ] as const) {
      const r = await refused(open(path, session, o));
      assert.equal(r.status, 403);
      assert.deepEqual(r.body, { code: 'origin_rejected', message: 'Cross-origin request refused.' });
    }
    for (const path of [EVENT_STREAM_PATH, `${EVENT_STREAM_PATH}?csrf=wrong`, `${EVENT_STREAM_PATH}?csrf=${csrf}x`]) {
      const r = await refused(open(path, session, origin));
      assert.equal(r.status, 403);
      assert.equal(r.body.code, 'csrf_failed');
    }
    const anon = await refused(open(`${EVENT_STREAM_PATH}?csrf=${csrf}`, {}, origin));
    assert.deepEqual([anon.status, anon.body.code], [401, 'unauthenticated']);
    const forged = await refused(open(`${EVENT_STREAM_PATH}?csrf=${csrf}`, { cookie: 'mw_session=forged' }, origin));
    assert.equal(forged.status, 401);
    const elsewhere = await refused(open('/api/v1/nope', session, origin));
    assert.deepEqual([elsewhere.status, elsewhere.body.code], [404, 'not_found']);
  });

  it('accepts an API token without Origin or CSRF, and refuses a bad one', async () => {
    const { sys } = t;
    const { record, secret } = newApiToken(user.id, 'stream', sys.now(), null);
    await sys.store.createApiToken(record);
    const c = await open(EVENT_STREAM_PATH, { authorization: `Bearer ${secret}` });
    assert.ok('ws' in c);
    assert.equal((await c.next()).type, 'hello');
    c.ws.close();
    const bad = await refused(open(EVENT_STREAM_PATH, { authorization: `Bearer ${secret.slice(0, -2)}xx` }));
    assert.equal(bad.status, 401);
  });

  it('answers pings; bad frames get error frames, then a 1008 close', async () => {
    const c = await good();
    assert.equal((await c.next()).type, 'hello');
    c.ws.send(JSON.stringify({ type: 'ping', id: 7 }));
    assert.deepEqual(await c.next(), { type: 'pong', id: 7 });
    for (const bad of ['not json', JSON.stringify({ type: 'ping', id: -1 }), JSON.stringify({ type: 'subscribe', all: true })]) c.ws.send(bad);
    for (let i = 0; i < 3; i++) {
      const f = await c.next();
      assert.equal(f.type === 'error' && f.code, 'validation_failed');
    }
    assert.equal((await c.closed).code, 1008);
  });

  it('closes on binary (1003) and oversized (1009) frames', async () => {
    const a = await good();
    a.ws.send(Buffer.from([1, 2, 3]));
    assert.equal((await a.closed).code, 1003);
    const b = await good();
    b.ws.send(JSON.stringify({ type: 'ping', id: 1, pad: 'x'.repeat(STREAM_MAX_FRAME) }));
    assert.equal((await b.closed).code, 1009);
  });

  it('ends the stream when its session is gone, at the next rights-affecting event', async () => {
    const { sys } = t;
    const other = await addUser(sys, 'short-lived');
    let secret = '';
    const s = await startSession(sys, other, '127.0.0.1', 'test', { setCookie: (_n, v) => void (secret = v), clearCookie: () => {} });
    const c = await open(`${EVENT_STREAM_PATH}?csrf=${s.csrfToken}`, { cookie: `mw_session=${secret}` }, origin);
    assert.ok('ws' in c);
    assert.equal((await c.next()).type, 'hello');
    await sys.store.deleteSession(s.id);
    await sys.events.emit({ type: 'user.updated', message: 'rights changed', actorId: other.id });
    const f = await c.next();
    assert.equal(f.type === 'error' && f.code, 'session_expired');
    assert.equal((await c.closed).code, 1008);
  });

  it('limits streams per user, and keeps serving after all of the above', async () => {
    const open4 = await Promise.all([good(), good(), good(), good()]);
    const fifth = await refused(open(`${EVENT_STREAM_PATH}?csrf=${csrf}`, { cookie: `mw_session=${cookie}` }, origin));
    assert.deepEqual([fifth.status, fifth.body.code], [429, 'rate_limited']);
    for (const c of open4) {
      c.ws.close();
      await c.closed;
    }
    const again = await good();
    assert.equal((await again.next()).type, 'hello');
    again.ws.close();
    await again.closed;
  });
});
