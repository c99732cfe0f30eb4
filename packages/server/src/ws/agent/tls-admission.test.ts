/**
 * Admission at accept (tls-admission.ts) on a real HTTPS server with the agent endpoint, clients
 * on real sockets from several loopback sources (127.0.0.0/8): silent and non-TLS sockets are
 * closed without holding a slot, per-source caps, round robin across networks and the per-network
 * share of slots, and the agent's hello timeout. Counts are read from the gate and the metrics.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { AGENT_CLOSE_CODES, ServerRefused } from '@meshwork/protocol';
import { testSystem, type TestSystem } from '../../domain/testkit/system.js';
import { eventually, startAgentServer, type AgentServer } from './testing/agent-server.js';
import { openAgentSocket } from './testing/test-agent.js';

const portOf = (srv: AgentServer): number => Number(new URL(srv.base).port);
const dropped = (t: TestSystem, reason: string): number =>
  (t.sys.metrics as unknown as { values: Map<string, number> }).values.get(`meshwork_accept_dropped_total{"reason":"${reason}"}`) ?? 0;

/** A bare TCP socket from `from`; resolves once connected. */
function tcp(srv: AgentServer, from: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = tcpConnect({ host: '127.0.0.1', port: portOf(srv), localAddress: from }, () => resolve(s));
    s.on('error', reject);
  });
}
const closedOf = (s: Socket): Promise<void> => new Promise((r) => (s.destroyed ? r() : s.once('close', () => r())));

/** A TLS client from `from`; resolves when its handshake is done, rejects when closed first. */
function tls(srv: AgentServer, from: string): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host: '127.0.0.1', port: portOf(srv), localAddress: from });
    const s = tlsConnect({ socket, rejectUnauthorized: false }, () => resolve(s));
    s.on('error', reject);
    s.once('close', () => reject(new Error('closed before the TLS handshake finished')));
  });
}

describe('admission at accept: first bytes, per-source caps, fairness', () => {
  let t: TestSystem;
  before(async () => {
    t = await testSystem();
  });
  after(() => t.close());

  it('a silent socket is closed after the ClientHello timeout and never holds an in-progress slot', async () => {
    const srv = await startAgentServer(t.sys, { maxPendingHandshakes: 1, clientHelloTimeoutMs: 200, clearStalePresence: false });
    try {
      const before = dropped(t, 'no_client_hello');
      const silent = await Promise.all([1, 2, 3].map(() => tcp(srv, '127.0.0.11')));
      await eventually(() => srv.endpoint.accept.awaitingHello === 3, 'three sockets awaiting their first bytes');
      assert.equal(srv.endpoint.accept.inProgress, 0, 'no slot for a socket that said nothing');
      // The only slot is free for a real client meanwhile.
      (await tls(srv, '127.0.0.12')).destroy();
      await Promise.all(silent.map(closedOf));
      assert.equal(dropped(t, 'no_client_hello') - before, 3);
    } finally {
      await srv.close();
    }
  });

  it('first bytes that are not a TLS handshake record are closed at once', async () => {
    const srv = await startAgentServer(t.sys, { clearStalePresence: false });
    try {
      const before = dropped(t, 'not_tls');
      const s = await tcp(srv, '127.0.0.13');
      s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      await closedOf(s);
      assert.equal(dropped(t, 'not_tls') - before, 1);
    } finally {
      await srv.close();
    }
  });

  it('pending connections are capped per address and per network; other sources are not affected', async () => {
    const srv = await startAgentServer(t.sys, { maxPendingPerAddress: 2, maxPendingPerNetwork: 3, clearStalePresence: false });
    try {
      const a = [await tcp(srv, '127.0.2.1'), await tcp(srv, '127.0.2.1')];
      await eventually(() => srv.endpoint.accept.awaitingHello === 2, 'two pending from 127.0.2.1');
      const third = await tcp(srv, '127.0.2.1');
      await closedOf(third);
      assert.equal(dropped(t, 'address_cap'), 1);
      const b = await tcp(srv, '127.0.2.2'); // the network's third
      await eventually(() => srv.endpoint.accept.awaitingHello === 3, 'three pending from 127.0.2.0/24');
      await closedOf(await tcp(srv, '127.0.2.3'));
      assert.equal(dropped(t, 'network_cap'), 1);
      // Another network, and a real client from it, are served.
      (await tls(srv, '127.0.3.1')).destroy();
      for (const s of [...a, b]) s.destroy();
    } finally {
      await srv.close();
    }
  });

  it('upgraded agents that never speak count against their source, and are closed after the hello timeout', async () => {
    const srv = await startAgentServer(t.sys, { maxPendingPerAddress: 2, helloTimeoutMs: 300, handshakeTimeoutMs: 60_000, clearStalePresence: false });
    try {
      const mute = [await openAgentSocket(srv.base, { localAddress: '127.0.4.1' }), await openAgentSocket(srv.base, { localAddress: '127.0.4.1' })];
      await eventually(() => srv.endpoint.handshaking === 2, 'two mute agents past the upgrade');
      await assert.rejects(openAgentSocket(srv.base, { localAddress: '127.0.4.1' }), 'a third from that address is refused');
      for (const m of mute) {
        assert.equal(ServerRefused.parse(await m.next()).code, 'handshake_timeout');
        assert.equal((await m.closed).code, AGENT_CLOSE_CODES.policy);
      }
      assert.equal(srv.endpoint.handshaking, 0);
      (await openAgentSocket(srv.base, { localAddress: '127.0.4.1' })).ws.terminate(); // the claims were given back
    } finally {
      await srv.close();
    }
  });

  it('the queue is served round robin across networks, FIFO within one', async () => {
    const srv = await startAgentServer(t.sys, { maxPendingHandshakes: 1, helloTimeoutMs: 60_000, handshakeTimeoutMs: 60_000, clearStalePresence: false });
    try {
      const holder = await openAgentSocket(srv.base, { localAddress: '127.0.7.1' }); // the only slot
      await eventually(() => srv.endpoint.handshaking === 1, 'the mute agent past the upgrade');
      const order: string[] = [];
      const client = (name: string, from: string): Promise<TLSSocket> => tls(srv, from).then((s) => (order.push(name), s));
      const a = [client('a1', '127.0.8.1'), client('a2', '127.0.8.1'), client('a3', '127.0.8.1')];
      await eventually(() => srv.endpoint.accept.queued === 3, "network A's three queued");
      const b = client('b', '127.0.9.1');
      await eventually(() => srv.endpoint.accept.queued === 4, "network B's one queued after them");
      holder.ws.terminate();
      for (const s of await Promise.all([...a, b])) s.destroy();
      assert.deepEqual(order, ['a1', 'b', 'a2', 'a3'], 'B waits one turn, not behind all of A');
    } finally {
      await srv.close();
    }
  });

  it('no network holds more than half of the slots', async () => {
    const srv = await startAgentServer(t.sys, { maxPendingHandshakes: 2, helloTimeoutMs: 60_000, handshakeTimeoutMs: 60_000, clearStalePresence: false });
    try {
      // Network A holds one slot of two (its share) with a mute agent.
      const holder = await openAgentSocket(srv.base, { localAddress: '127.0.5.1' });
      await eventually(() => srv.endpoint.handshaking === 1, 'the mute agent past the upgrade');
      const order: string[] = [];
      const a = [1, 2, 3].map((i) => tls(srv, '127.0.5.2').then((s) => (order.push(`a${i}`), s)));
      await eventually(() => srv.endpoint.accept.queued === 3, "A's three waiting: a slot is free, but A holds its share");
      const b = tls(srv, '127.0.6.1').then((s) => (order.push('b'), s));
      (await b).destroy(); // B takes the free slot at once
      assert.deepEqual(order, ['b']);
      holder.ws.terminate();
      for (const s of await Promise.all(a)) s.destroy();
      assert.deepEqual(order, ['b', 'a1', 'a2', 'a3'], 'FIFO within one network');
    } finally {
      await srv.close();
    }
  });
});
