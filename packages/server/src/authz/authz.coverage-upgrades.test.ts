/**
 * The authorization probes of authz.coverage.test.ts, for the WebSocket upgrades users open: the
 * event stream, the run stream and the user end of a relay session — over a real HTTPS server with
 * real API tokens. A user without rights and a chat-only viewer of the group must be refused the
 * owner's run and relay session (`not_found`, like a missing one), and their event streams must not
 * carry the owner's events nor a run's output. "Not delivered" is proven by order: the hidden
 * events are emitted first, then one addressed to the prober, which must be the first to arrive.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { EVENT_STREAM_PATH, GROUP_FULL, GROUP_RIGHTS, RELAY_USER_PATH, RUN_STREAM_PATH, StreamServerFrame } from '@meshwork/protocol';
import type { UserRecord } from '@meshwork/store';
import { newApiToken } from '../auth/api-tokens.js';
import { Excerpt, recordRunResult } from '../domain/commands/results.js';
import { addDevice, addGroup, addUser, call, principalOf, testSystem, type TestSystem } from '../domain/testkit/system.js';
import { attachBrowserStream, type BrowserStream } from '../ws/browser-stream.js';
import { attachRelayEndpoint, type RelayEndpoint } from '../ws/relay/endpoint.js';
import { attachRunStream, type RunStream } from '../ws/run-stream.js';

type Opened = { ws: WebSocket; first: Promise<StreamServerFrame[]> } | { refused: number; code: string };

describe('authorization coverage of the WebSocket upgrades', () => {
  let t: TestSystem;
  let server: Server;
  let parts: { stream: BrowserStream; runs: RunStream; relay: RelayEndpoint };
  let base: string;
  const tokens = new Map<string, string>();
  let owner: UserRecord, intruder: UserRecord, viewer: UserRecord;
  let groupId = '';
  let deviceId = '';
  let runId = '';

  /** Opens `path` as `user`; on success, resolves `first` with the frames up to the first event. */
  const open = (path: string, user: UserRecord): Promise<Opened> =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(`${base}${path}`, { ca: t.sys.identity.caCertPem, headers: { authorization: `Bearer ${tokens.get(user.id) ?? ''}` } });
      ws.on('unexpected-response', (_req, res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += String(c)));
        res.on('end', () => resolve({ refused: res.statusCode ?? 0, code: (JSON.parse(text) as { code: string }).code }));
      });
      ws.on('error', (err) => {
        if (ws.readyState === WebSocket.CONNECTING) reject(err);
      });
      const frames: StreamServerFrame[] = [];
      const first = new Promise<StreamServerFrame[]>((done) => {
        ws.on('message', (data) => {
          const f = StreamServerFrame.safeParse(JSON.parse(String(data)));
          if (!f.success) return;
          frames.push(f.data);
          if (f.data.type === 'event') done(frames);
        });
      });
      ws.on('open', () => resolve({ ws, first }));
    });

  before(async () => {
    t = await testSystem();
    const { sys } = t;
    server = createServer({ key: sys.identity.tlsKeyPem, cert: sys.identity.tlsCertPem }, (_req, res) => res.writeHead(404).end());
    parts = {
      stream: attachBrowserStream(sys, server, { pingIntervalMs: 3_600_000 }),
      runs: attachRunStream(sys, server),
      relay: await attachRelayEndpoint(sys, server, { pingIntervalMs: 3_600_000 }),
    };
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `wss://127.0.0.1:${(server.address() as AddressInfo).port}`;
    owner = await addUser(sys, 'ws-owner');
    intruder = await addUser(sys, 'ws-intruder');
    viewer = await addUser(sys, 'ws-viewer');
    for (const u of [owner, intruder, viewer]) {
      const { record, secret } = newApiToken(u.id, 'probe', sys.now(), null);
      await sys.store.createApiToken(record);
      tokens.set(u.id, secret);
    }
    const g = await addGroup(sys, 'ws-seeded', [{ subjectId: owner.id, rights: GROUP_FULL }, { subjectId: viewer.id, rights: GROUP_RIGHTS.chat }]);
    groupId = g.id;
    deviceId = (await addDevice(sys, g.id, 'ws-device')).id;
    runId = (await call(sys, 'runs.create', principalOf(owner), { body: { deviceIds: [deviceId], command: ['true'] } })).runId;
  });
  after(async () => {
    await parts.stream.close();
    await parts.runs.close();
    await parts.relay.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await t.close();
  });

  it('refuses the owner’s run stream to a user without rights and to a chat-only viewer', async () => {
    for (const u of [intruder, viewer]) {
      const r = await open(`${RUN_STREAM_PATH}?id=${runId}`, u);
      assert.deepEqual('refused' in r ? r : 'accepted', { refused: 404, code: 'not_found' }, u.name);
    }
    const mine = await open(`${RUN_STREAM_PATH}?id=${runId}`, owner);
    assert.ok('ws' in mine, 'the starter follows its run');
    mine.ws.close();
  });

  it('refuses the owner’s relay session to a user without rights and to a chat-only viewer', async () => {
    const { sessionId } = t.sys.relay.create({
      protocol: 'tcp', deviceId, deviceName: 'ws-device', groupId, userId: owner.id, userName: owner.name, rights: GROUP_FULL, options: {},
    }, t.sys.now());
    for (const u of [intruder, viewer]) {
      const r = await open(`${RELAY_USER_PATH}?session=${sessionId}`, u);
      assert.deepEqual('refused' in r ? r : 'accepted', { refused: 404, code: 'not_found' }, u.name);
    }
    const mine = await open(`${RELAY_USER_PATH}?session=${sessionId}`, owner);
    assert.ok('ws' in mine, 'the owner’s end is still unclaimed and accepted');
    mine.ws.close();
  });

  it('keeps the owner’s events and a run’s output out of other users’ event streams', async () => {
    const { sys } = t;
    const streams = await Promise.all([intruder, viewer].map((u) => open(EVENT_STREAM_PATH, u)));
    const stdout = new Excerpt();
    stdout.add(Buffer.from('run-output-secret\n'));
    await recordRunResult(sys, { runId, deviceId, actorId: owner.id, state: 'exited', stdout, outcome: { exitCode: 0, signal: null, timedOut: false, truncated: false, error: null, durationMs: 1 } });
    await sys.events.emit({ type: 'device.updated', message: 'owner-only', actorId: owner.id, onlyVisibleTo: [] });
    await sys.events.emit({ type: 'group.updated', message: 'only-owner-and-viewer', groupId });
    for (const [i, u] of [intruder, viewer].entries()) {
      const s = streams[i];
      assert.ok(s && 'ws' in s, `${u.name} opens its own event stream`);
      await sys.events.emit({ type: 'account.probe', message: `sentinel ${u.name}`, actorId: u.id, onlyVisibleTo: [] });
      const frames = await s.first;
      const firstEvent = frames.find((f) => f.type === 'event');
      const expected = u === viewer ? 'only-owner-and-viewer' : `sentinel ${u.name}`;
      assert.equal(firstEvent?.type === 'event' ? firstEvent.event.message : undefined, expected, u.name);
      assert.ok(!JSON.stringify(frames).includes('run-output-secret'), `${u.name} got the output`);
      s.ws.close();
    }
    const listed = await call(sys, 'events.list', principalOf(viewer), { query: {} });
    assert.ok(!JSON.stringify(listed).includes('run-output-secret'), 'the viewer’s event list carries the output');
    assert.ok(JSON.stringify(await call(sys, 'events.list', principalOf(owner), { query: {} })).includes('run-output-secret'), 'the starter sees it');
  });
});
