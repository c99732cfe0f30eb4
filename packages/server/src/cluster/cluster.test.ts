/**
 * The real server with --workers 2 on port 0 (the workers share the port the primary opened):
 * both workers answer the API, an agent handshake works, the newest connection of a device wins
 * across workers, a browser on one worker sees events of the other, a worker killed with SIGKILL
 * is restarted and its devices go offline, and SIGTERM drains everything and exits 0.
 * Which worker served what: the x-meshwork-worker header (HTTP), the presence row (agents) and the
 * per-worker gauge meshwork_browser_streams{worker} on /metrics (event streams; any worker answers for all).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import WebSocket from 'ws';
import { EVENT_STREAM_PATH, StreamServerFrame } from '@meshwork/protocol';
import type { Store } from '@meshwork/store';
import { openSqliteStore } from '@meshwork/store-sqlite';
import { parseLine, removeDir, startWithAdmin, type Browser, type ServerProc } from '../testing/server-process.js';
import { eventually } from '../ws/agent/testing/agent-server.js';
import { handshake, newAgentKey, testInfo, type AgentKey, type Handshake } from '../ws/agent/testing/test-agent.js';
import { WORKER_HEADER } from './messages.js';

interface WorkerLine {
  worker: number;
  workerId: string;
  pid: number;
}

interface Stream {
  ws: WebSocket;
  frames: StreamServerFrame[];
}

describe('multi-worker server (--workers 2)', () => {
  let server: ServerProc;
  let admin: Browser;
  let store: Store;
  let groupId: string;
  let enrolmentKey: string;
  const streams: Stream[] = [];
  const sockets: Handshake[] = [];

  const workers = (): WorkerLine[] =>
    server.lines.map(parseLine).filter((r) => r?.msg === 'worker listening').map((r) => ({ worker: Number(r?.worker), workerId: String(r?.workerId), pid: Number(r?.pid) }));
  const slotOf = (workerId: string | undefined): number | undefined => workers().find((w) => w.workerId === workerId)?.worker;
  const base = (): string => `wss://127.0.0.1:${server.port}`;
  const welcomed = async (key: AgentKey): Promise<Handshake> => {
    const h = await handshake(base(), key, testInfo({ enrolmentKey }));
    sockets.push(h);
    assert.equal((h.result as { type?: string }).type, 'welcome', JSON.stringify(h.result));
    return h;
  };
  /** GETs until both workers have answered (round-robin: two or three tries); returns what each said. */
  const perWorker = async (path: string): Promise<Map<number, string>> => {
    const seen = new Map<number, string>();
    for (let i = 0; i < 20 && seen.size < 2; i++) {
      const r = await admin.call('GET', path);
      assert.equal(r.status, 200, r.text);
      seen.set(Number(r.headers[WORKER_HEADER]), r.text);
    }
    assert.deepEqual([...seen.keys()].sort(), [1, 2], 'both workers answered');
    return seen;
  };

  before(async () => {
    ({ server, admin } = await startWithAdmin('admin', 'correct horse battery', ['--workers', '2']));
    const g = await admin.call('POST', '/api/v1/groups', { body: { name: 'fleet' } });
    assert.equal(g.status, 200, g.text);
    groupId = (g.json as { id: string }).id;
    const f = await admin.call('GET', `/api/v1/groups/${groupId}/install-file`);
    enrolmentKey = (f.json as { enrolmentKey: string }).enrolmentKey;
    store = await openSqliteStore(join(server.dataDir, 'meshwork.db'));
  });

  after(async () => {
    for (const s of streams) s.ws.terminate();
    for (const h of sockets) h.sock.ws.terminate();
    await store?.close();
    if (server) {
      await server.stop('SIGKILL');
      removeDir(server.dataDir);
    }
  });

  it('starts two workers on one port; setup link and listening line once; both answer the API', async () => {
    assert.equal(workers().length, 2);
    assert.equal(server.lines.filter((l) => l.startsWith('Setup: ')).length, 1);
    assert.equal(server.lines.filter((l) => parseLine(l)?.msg === 'listening').length, 1);
    const answers = await perWorker('/api/v1/server');
    for (const text of answers.values()) assert.equal((JSON.parse(text) as { serverId: string }).serverId, server.serverId);
  });

  it('admits an agent, and the newest connection of a device wins across workers', async () => {
    const key = await newAgentKey();
    let older = await welcomed(key);
    let olderWorker = (await store.getPresence(key.deviceId))?.workerId;
    assert.ok(slotOf(olderWorker), 'the presence row names a live worker');
    let crossed = false;
    for (let i = 0; i < 8 && !crossed; i++) {
      const newer = await welcomed(key);
      const row = await store.getPresence(key.deviceId);
      // The newer claim is in the store before `welcome` is sent.
      assert.ok(row && row.workerId !== undefined);
      assert.equal(await refusal(older), 'superseded');
      assert.equal((await older.sock.closed).code, 1008);
      crossed = row.workerId !== olderWorker;
      older = newer;
      olderWorker = row.workerId;
    }
    assert.ok(crossed, 'a newer connection landed on the other worker and superseded the older one');
    assert.equal(older.sock.ws.readyState, WebSocket.OPEN, 'the newest connection stays');
    assert.equal((await store.getPresence(key.deviceId))?.workerId, olderWorker);
  });

  it('removing a device closes its connection at once on whichever worker holds it; its key is refused after', async () => {
    let crossed = false;
    for (let i = 0; i < 8 && !crossed; i++) {
      const key = await newAgentKey();
      const live = await welcomed(key);
      const holder = slotOf((await store.getPresence(key.deviceId))?.workerId);
      const r = await admin.call('DELETE', `/api/v1/devices/${key.deviceId}`);
      assert.equal(r.status, 200, r.text);
      // Nothing else would end this socket for 60 s (pings keep it alive): the removal must.
      assert.equal(await within(10_000, refusal(live)), 'revoked', 'the live connection is told and closed');
      crossed = holder !== Number(r.headers[WORKER_HEADER]);
      const again = await handshake(base(), key, testInfo({ enrolmentKey }));
      sockets.push(again);
      assert.equal((again.result as { code?: string }).code, 'revoked', 'the same key cannot enrol again');
      assert.equal(await store.getDevice(key.deviceId), null);
    }
    assert.ok(crossed, 'a removal answered by one worker closed a connection held by the other');
  });

  it('a browser stream on one worker sees events emitted on the other', async () => {
    // Streams until each worker holds at least one (per-worker gauge, from one scrape: /metrics on
    // any worker answers for all of them); any action then happens on one worker and must reach
    // the streams on the other through the bus.
    const covered = async (): Promise<boolean> => {
      const scrapes = [...(await perWorker('/metrics')).values()];
      return scrapes.every((t) => ['1', '2'].every((w) => Number(new RegExp(`^meshwork_browser_streams\\{worker="${w}"\\} (\\d+)$`, 'm').exec(t)?.[1] ?? 0) >= 1));
    };
    for (let i = 0; i < 6 && !(streams.length > 0 && (await covered())); i++) streams.push(await openStream(server, admin));
    assert.ok(await covered(), 'streams on both workers');
    const r = await admin.call('POST', '/api/v1/groups', { body: { name: 'made on one worker' } });
    assert.equal(r.status, 200, r.text);
    const made = (r.json as { id: string }).id;
    for (const s of streams) {
      await eventually(() => s.frames.some((f) => f.type === 'event' && f.event.groupId === made), 'the group event on every stream');
    }
  });

  it('restarts a worker killed with SIGKILL and takes its devices offline', async () => {
    const key = await newAgentKey();
    const h = await welcomed(key);
    const row = await store.getPresence(key.deviceId);
    const victim = workers().find((w) => w.workerId === row?.workerId);
    assert.ok(victim);
    process.kill(victim.pid, 'SIGKILL');
    assert.equal((await h.sock.closed).code, 1006);
    await eventually(async () => (await store.getPresence(key.deviceId)) === null, 'the dead worker presence cleared');
    // The row goes first, then the timeline entry and the event (recordOffline).
    await eventually(async () => (await store.listEvents({ deviceId: key.deviceId, type: 'device.offline', limit: 5 })).length > 0, 'device.offline');
    const offline = await store.listEvents({ deviceId: key.deviceId, type: 'device.offline', limit: 5 });
    assert.equal(offline[0]?.data.reason, 'server worker stopped unexpectedly');
    await eventually(() => workers().filter((w) => w.worker === victim.worker).length === 2, 'the worker restarted');
    const again = workers().filter((w) => w.worker === victim.worker)[1];
    assert.notEqual(again?.workerId, victim.workerId, 'a restarted worker has a new id');
    await perWorker('/api/v1/server');
    await welcomed(await newAgentKey());
  });

  it('SIGTERM drains the workers and exits 0', async () => {
    assert.equal(await server.stop('SIGTERM'), 0);
    const stopped = server.lines.map(parseLine).filter((r) => r?.msg === 'stopped');
    assert.equal(stopped.length, 3, 'two workers and the primary stopped');
    assert.equal(await store.listPresence().then((rows) => rows.length), 0, 'every worker cleared its presence');
  });
});

/** The code of the next `refused` frame on the socket (skipping `known`), or null once it closed. */
/** The promise's value, or a rejection after `ms` (a hang must fail the test, not stall it). */
function within<T>(ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`nothing within ${ms} ms`)), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

async function refusal(h: Handshake): Promise<string | null> {
  for (;;) {
    const f = (await h.sock.next()) as { type?: string; code?: string } | null;
    if (f === null || f.type === 'refused') return f?.code ?? null;
  }
}

function openStream(server: ServerProc, b: Browser): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`wss://127.0.0.1:${server.port}${EVENT_STREAM_PATH}?csrf=${b.csrf}`, { ca: server.ca, headers: { cookie: b.cookie }, origin: server.url });
    const frames: StreamServerFrame[] = [];
    ws.on('message', (data) => {
      const f = StreamServerFrame.parse(JSON.parse(String(data)));
      frames.push(f);
      if (f.type === 'hello') resolve({ ws, frames });
    });
    ws.on('unexpected-response', (_req, res) => reject(new Error(`stream refused: HTTP ${res.statusCode ?? 0}`)));
    ws.on('error', reject);
  });
}
