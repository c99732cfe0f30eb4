// Reports in acknowledged parts: the part sender on its own, then the running agent against the
// test double of the server (real TLS + WebSocket): a large software list goes in parts, each after
// the previous part's ack, and the server stores it under the right hash; an unacknowledged part
// ends the session and the next one sends the report again; an older server gets it whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REPORT_PART_BYTES, type AgentReportPart, type SoftwareInventory } from '@meshwork/protocol';
import { tempStateDirs } from '../identity/testing/temp-dirs.js';
import { reportHash } from '../inventory/hash.js';
import { fakeSystem, runAgent } from '../run/testing/fixtures.js';
import { PartSender } from './report-parts.js';
import type { SessionEnd } from './session.js';
import { testServers, waitFor, type ConnRecord } from './testing/test-server.js';

const fresh = tempStateDirs('mw-parts-');
const server = testServers();

/** A dpkg-like list of ~80 KB of JSON. */
const bigSoftware = (): SoftwareInventory => ({
  source: 'dpkg',
  packages: Array.from({ length: 1600 }, (_, i) => ({ name: `lib${['ssl', 'gtk', 'x11', 'python3'][i % 4]}-module-${i}`, version: `${i % 9}.${i % 13}.${i}-1ubuntu0.${i % 5}` })),
});
const collectors = () => ({ system: async () => fakeSystem(), software: async () => bigSoftware() });

/** The software parts a connection received, checked to be one report's parts in order. */
function partsInOrder(rec: ConnRecord | undefined): number {
  const parts = rec?.parts ?? [];
  assert.ok(parts.length > 0, 'no parts');
  const first = parts[0] as { id: number; parts: number };
  parts.forEach((p, i) => {
    assert.deepEqual([p.id, p.seq, p.parts], [first.id, i, first.parts], `part ${i}`);
    assert.ok(p.bytes <= REPORT_PART_BYTES && p.bytes > 0);
  });
  return parts.length;
}

test('part sender: one part per ack, in order; a wrong ack is refused; a missing one times out', async () => {
  const written: AgentReportPart[] = [];
  let timeouts = 0;
  const s = new PartSender({ write: (f) => written.push(f), ackTimeoutMs: 50, onTimeout: () => timeouts++ });
  const text = 'x'.repeat(10_000);
  const sent = s.send(text, REPORT_PART_BYTES);
  assert.equal(s.busy, true);
  assert.equal(await s.send('y', REPORT_PART_BYTES), 0, 'one report at a time');
  assert.equal(written.length, 1, 'only part 0 before its ack');
  assert.equal(s.ack({ type: 'reportAck', id: written[0]?.id ?? 0, seq: 1 }), false, 'not the part awaited');
  for (let seq = 0; seq < 5; seq++) {
    assert.equal(written.length, seq + 1);
    assert.equal(s.ack({ type: 'reportAck', id: written[0]?.id ?? 0, seq }), true);
  }
  assert.equal(await sent, 5);
  assert.equal(written.map((w) => w.data).join(''), text);
  assert.equal(s.busy, false);

  const lost = s.send(text, REPORT_PART_BYTES);
  assert.equal(written.at(-1)?.id, (written[0]?.id ?? 0) + 1, 'a new id per report');
  assert.equal(await lost, 0, 'abandoned after the timeout');
  assert.equal(timeouts, 1);
  const dropped = s.send(text, REPORT_PART_BYTES);
  s.abandon(); // the session ended
  assert.equal(await dropped, 0);
});

test('a large software report goes in acknowledged parts; the server stores it under its hash; small ones go whole', async () => {
  const srv = await server();
  const sent: string[] = [];
  const r = await runAgent(fresh(), srv, { collectors: collectors(), events: { report: (k) => sent.push(k) } });
  try {
    await waitFor('both reports', () => sent.length === 2);
    const rec = srv.connections[0];
    const n = partsInOrder(rec);
    const text = JSON.stringify({ type: 'software', hash: reportHash(bigSoftware()), software: bigSoftware() });
    assert.equal(n, Math.ceil(text.length / REPORT_PART_BYTES), `${text.length} bytes of ASCII in full parts`);
    assert.deepEqual(rec?.reports.map((f) => f.type), ['inventory', 'software'], 'the inventory (small, whole) first, then the software');
    assert.equal(rec?.frames.filter((f) => f.startsWith('{"type":"inventory"')).length, 1, 'the small report is one frame');
    const sw = rec?.reports[1];
    assert.ok(sw?.type === 'software');
    assert.equal(sw.hash, reportHash(bigSoftware()));
    assert.deepEqual(sw.software, bigSoftware());
    assert.equal(srv.held.get(r.identity.deviceId)?.softwareHash, reportHash(bigSoftware()), 'held: the next known says so');
  } finally {
    await r.stop();
  }
});

test('an unacknowledged part: nothing more is sent; after the timeout the session ends and the next one sends the report again', async () => {
  const srv = await server({ behaviour: (i) => (i === 0 ? { kind: 'noAck' } : { kind: 'normal' }) });
  const ends: SessionEnd[] = [];
  const r = await runAgent(fresh(), srv, { collectors: collectors(), timing: { reportAckTimeoutMs: 300 }, events: { down: (e) => void ends.push(e) } });
  try {
    await waitFor('the first session to end', () => ends.length >= 1);
    assert.equal(ends[0]?.kind, 'ack_timeout');
    assert.deepEqual(srv.connections[0]?.parts.map((p) => p.seq), [0], 'no part without the ack of the one before');
    assert.equal(srv.connections[0]?.reports.some((f) => f.type === 'software'), false);
    await waitFor('the software on the second connection', () => srv.connections[1]?.reports.some((f) => f.type === 'software') === true);
    partsInOrder(srv.connections[1]);
    assert.equal(srv.connections[1]?.reports.some((f) => f.type === 'inventory'), false, 'the inventory arrived the first time: known says so');
  } finally {
    await r.stop();
  }
});

test('a server that does not offer parts (older) gets the large report whole', async () => {
  const srv = await server({ reportPartBytes: null });
  const sent: string[] = [];
  const r = await runAgent(fresh(), srv, { collectors: collectors(), events: { report: (k) => sent.push(k) } });
  try {
    await waitFor('both reports at the server', () => sent.length === 2 && srv.connections[0]?.reports.length === 2);
    assert.deepEqual(srv.connections[0]?.parts, []);
    assert.equal(srv.connections[0]?.reports.find((f) => f.type === 'software')?.hash, reportHash(bigSoftware()));
  } finally {
    await r.stop();
  }
});
