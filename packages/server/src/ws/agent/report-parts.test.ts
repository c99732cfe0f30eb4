/**
 * Reports in acknowledged parts (protocol session/parts.ts) at the agent endpoint, over a real
 * HTTPS server with the node:crypto test agent: who is told parts are accepted, reassembly and
 * storage (hash checked), one rate-limit token per report, and every refusal — out-of-order seq, a
 * changed part count, a part over the size limit, a total over AGENT_SESSION_MAX_FRAME, a second
 * report interleaved (in parts or whole), a part before `welcome`, a report whose parts stop coming.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AGENT_CLOSE_CODES,
  AGENT_SESSION_MAX_FRAME,
  REPORT_MAX_PARTS,
  REPORT_PART_BYTES,
  REPORT_PARTS_CAPABILITY,
  ServerKnown,
  ServerRefused,
  ServerReportAck,
  ServerWelcome,
  splitReport,
  type AgentInfo,
  type SoftwareInventory,
} from '@meshwork/protocol';
import type { DeviceGroupRecord } from '@meshwork/store';
import { reportHash } from '../../domain/agents/inventory.js';
import { addGroup, testEnrolmentKey, testSystem, type TestSystem } from '../../domain/testkit/system.js';
import { eventually, startAgentServer, type AgentServer } from './testing/agent-server.js';
import { handshake, helloFor, newAgentKey, openAgentSocket, testInfo, type AgentSocket } from './testing/test-agent.js';

const software = (n: number, tag = ''): SoftwareInventory => ({
  source: 'dpkg',
  packages: Array.from({ length: n }, (_, i) => ({ name: `lib${tag}package-${i}-ünïcödé`, version: `${i}.2.3-1ubuntu0.${i % 7}` })),
});
const softwareFrame = (sw: SoftwareInventory) => ({ type: 'software', hash: reportHash(sw), software: sw });
const part = (id: number, seq: number, parts: number, data: string) => ({ type: 'reportPart', id, seq, parts, data });
const eventsOf = async (t: TestSystem, deviceId: string) => (await t.sys.store.listEvents({ deviceId, type: 'device.inventory', limit: 100 })).length;

/** The next frame that is not a `reportAck` (or null once closed). */
async function nextNotAck(sock: AgentSocket): Promise<unknown> {
  for (;;) {
    const f = await sock.next();
    if ((f as { type?: unknown } | null)?.type !== 'reportAck') return f;
  }
}

/** Expects `refused bad_message` (message matching `pattern`) and close 1008. */
async function refusedBadMessage(sock: AgentSocket, pattern: RegExp): Promise<void> {
  const r = ServerRefused.parse(await nextNotAck(sock));
  assert.equal(r.code, 'bad_message');
  assert.match(r.message, pattern);
  assert.equal((await sock.closed).code, AGENT_CLOSE_CODES.policy);
}

describe('agent endpoint: reports in acknowledged parts', () => {
  let t: TestSystem;
  let srv: AgentServer;
  let group: DeviceGroupRecord;
  const info = (): AgentInfo => testInfo({ enrolmentKey: testEnrolmentKey(group.id), capabilities: ['inventory', 'software', REPORT_PARTS_CAPABILITY] });

  before(async () => {
    t = await testSystem();
    group = await addGroup(t.sys, 'Parts');
    srv = await startAgentServer(t.sys, { reportsPerMinute: 2, clock: () => 0 });
  });
  after(async () => {
    await srv.close();
    await t.close();
  });

  /** A welcomed session; returns its socket and the `known` it got. */
  async function session(i: AgentInfo = info()): Promise<{ sock: AgentSocket; known: ServerKnown; deviceId: string }> {
    const key = await newAgentKey();
    const h = await handshake(srv.base, key, i);
    ServerWelcome.parse(h.result);
    return { sock: h.sock, known: ServerKnown.parse(await h.sock.next()), deviceId: key.deviceId };
  }

  /** Sends `frame` in parts as the agent does: each part after the ack of the one before. */
  async function sendInParts(sock: AgentSocket, frame: unknown, id: number): Promise<number> {
    const parts = splitReport(JSON.stringify(frame), REPORT_PART_BYTES);
    for (const [seq, data] of parts.entries()) {
      sock.send(part(id, seq, parts.length, data));
      assert.deepEqual(ServerReportAck.parse(await sock.next()), { type: 'reportAck', id, seq });
    }
    return parts.length;
  }

  it('tells only agents that announced report-parts that it accepts parts', async () => {
    const withParts = await session();
    assert.equal(withParts.known.reportPartBytes, REPORT_PART_BYTES);
    const without = await session(testInfo({ enrolmentKey: testEnrolmentKey(group.id), capabilities: ['inventory', 'software'] }));
    assert.equal('reportPartBytes' in without.known, false, 'an older agent parses known strictly: nothing new in it');
    const none = await session(testInfo({ enrolmentKey: testEnrolmentKey(group.id) }));
    assert.equal('reportPartBytes' in none.known, false);
    for (const s of [withParts, without, none]) s.sock.ws.terminate();
  });

  it('reassembles a large software report sent in parts, stores it (hash checked), and still accepts whole frames', async () => {
    const { sock, deviceId } = await session();
    const sw = software(1500);
    const parts = await sendInParts(sock, softwareFrame(sw), 41);
    assert.ok(parts > 40, `a ~${Math.round(JSON.stringify(sw).length / 1024)} KB report in ${parts} parts`);
    await eventually(async () => (await t.sys.store.getDeviceSoftwareHash(deviceId)) === reportHash(sw), 'the software list stored');
    const stored = await t.sys.store.getDeviceSoftware(deviceId);
    assert.deepEqual(stored?.packages, sw.packages);
    assert.equal(await eventsOf(t, deviceId), 1);

    const small = software(3, 'small');
    sock.send(softwareFrame(small)); // whole, as older agents and small reports do
    await eventually(async () => (await t.sys.store.getDeviceSoftwareHash(deviceId)) === reportHash(small), 'the whole frame stored');
    sock.ws.close();
    await sock.closed;
  });

  it('counts a report in parts once against the rate limit (at its part 0)', async () => {
    const { sock, deviceId } = await session();
    await sendInParts(sock, softwareFrame(software(200, 'a')), 1);
    await sendInParts(sock, softwareFrame(software(200, 'b')), 2); // 2 reports of ~9 parts: within 2 per minute
    await eventually(async () => (await t.sys.store.getDeviceSoftwareHash(deviceId)) === reportHash(software(200, 'b')), 'the second report');
    sock.send(part(3, 0, 2, '{"type":'));
    const r = ServerRefused.parse(await sock.next());
    assert.equal(r.code, 'rate_limited', 'the third report, refused at its first part');
    assert.equal((await sock.closed).code, AGENT_CLOSE_CODES.policy);
  });

  it('refuses a part out of order, a changed part count, an interleaved report, a whole frame in between', async () => {
    const text = JSON.stringify(softwareFrame(software(100)));
    const [p0, p1, p2] = splitReport(text, REPORT_PART_BYTES) as [string, string, string];
    const cases: Array<[string, unknown[], RegExp]> = [
      ['seq 1 first', [part(1, 1, 3, p1)], /before its part 0/],
      ['a skipped part', [part(1, 0, 3, p0), part(1, 2, 3, p2)], /Expected part 1 .* got part 2/],
      ['a repeated part', [part(1, 0, 3, p0), part(1, 0, 3, p0)], /Expected part 1/],
      ['parts changed', [part(1, 0, 3, p0), part(1, 1, 4, p1)], /3 parts, not 4/],
      ['a second id', [part(1, 0, 3, p0), part(2, 0, 3, p0)], /in progress/],
      ['a whole report in between', [part(1, 0, 3, p0), softwareFrame(software(1))], /in progress in parts/],
      ['a part over the size limit', [part(1, 0, 3, 'x'.repeat(REPORT_PART_BYTES + 1))], /data/],
      ['over the limit in bytes', [part(1, 0, 3, 'é'.repeat(REPORT_PART_BYTES / 2 + 1))], /UTF-8 bytes/],
      ['seq not below parts', [part(1, 3, 3, p0)], /seq/],
      ['not a report once joined', [part(1, 0, 2, '{"type":"reportPart",'), part(1, 1, 2, '"id":1}')], /Bad session frame/],
      ['not JSON once joined', [part(1, 0, 2, '{"type":'), part(1, 1, 2, 'oops')], /not JSON/],
      ['a wrong hash', [part(1, 0, 1, JSON.stringify({ ...softwareFrame(software(2)), hash: reportHash(software(3)) }))], /hash/],
    ];
    for (const [name, frames, pattern] of cases) {
      const { sock } = await session();
      for (const f of frames) sock.send(f);
      await assert.doesNotReject(refusedBadMessage(sock, pattern), name);
    }
  });

  it('refuses a report whose parts add up to more than AGENT_SESSION_MAX_FRAME', async () => {
    const { sock } = await session();
    const full = 'x'.repeat(REPORT_PART_BYTES);
    const over = Math.floor(AGENT_SESSION_MAX_FRAME / REPORT_PART_BYTES) + 1;
    assert.ok(over <= REPORT_MAX_PARTS);
    for (let seq = 0; seq < over; seq++) sock.send(part(9, seq, REPORT_MAX_PARTS, full));
    await refusedBadMessage(sock, new RegExp(`larger than ${AGENT_SESSION_MAX_FRAME} bytes`));
    const acks = sock.frames.filter((f) => (f as { type?: unknown }).type === 'reportAck').length;
    assert.equal(acks, over - 1, 'every part up to the limit was acknowledged');
  });

  it('refuses a report whose next part does not come within the idle timeout, though pongs keep the session alive', async () => {
    const quick = await startAgentServer(t.sys, { pingIntervalMs: 20, idleTimeoutMs: 150, clearStalePresence: false });
    try {
      const h = await handshake(quick.base, await newAgentKey(), info());
      ServerWelcome.parse(h.result);
      ServerKnown.parse(await h.sock.next());
      h.sock.send(part(1, 0, 3, '{"type":'));
      ServerReportAck.parse(await h.sock.next());
      await refusedBadMessage(h.sock, /stalled/); // pongs keep the session itself alive meanwhile
    } finally {
      await quick.close();
    }
  });

  it('refuses a part before welcome (not in session)', async () => {
    const before = await openAgentSocket(srv.base);
    before.send(part(1, 0, 1, '{}'));
    await refusedBadMessage(before, /hello/);

    const afterHello = await openAgentSocket(srv.base);
    afterHello.send(helloFor(afterHello.tlsCertDer).hello);
    await afterHello.next(); // challenge
    afterHello.send(part(1, 0, 1, '{}'));
    await refusedBadMessage(afterHello, /auth/);
  });
});
