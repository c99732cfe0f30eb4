import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AGENT_SESSION_MAX_FRAME, AgentSessionFrame, ServerKnown, ServerSessionFrame } from './messages.js';
import { AgentReportPart, REPORT_MAX_PARTS, REPORT_PART_BYTES, ReportAssembler, ServerReportAck, splitReport, utf8Length } from './parts.js';

const bytes = (s: string): number => new TextEncoder().encode(s).length;
const part = (seq: number, parts: number, data: string, id = 7) => ({ type: 'reportPart' as const, id, seq, parts, data });

test('parts: utf8Length counts as UTF-8 does', () => {
  for (const s of ['', 'abc', 'é', '€', '😀', 'a😀é€', '{"name":"ünïcödé"}']) assert.equal(utf8Length(s), bytes(s), s);
  assert.equal(utf8Length('\ud800'), 3, 'a lone surrogate counts as its replacement character');
});

test('parts: splitReport keeps every slice within the limit, never splits a surrogate pair, and joins back', () => {
  const text = JSON.stringify({ packages: Array.from({ length: 500 }, (_, i) => ({ name: `pkg-${i}-😀-é`, version: `1.${i}€` })) });
  for (const max of [4, 5, 7, 100, REPORT_PART_BYTES]) {
    const parts = splitReport(text, max);
    assert.equal(parts.join(''), text, `max ${max}`);
    for (const p of parts) {
      assert.ok(bytes(p) <= max && p.length > 0, `max ${max}: a part of ${bytes(p)} bytes`);
      assert.ok(!/^[\udc00-\udfff]/.test(p) && !/[\ud800-\udbff]$/.test(p), 'a surrogate pair is never cut');
    }
  }
  assert.deepEqual(splitReport('', 100), []);
  assert.deepEqual(splitReport('abc', 100), ['abc']);
  assert.throws(() => splitReport('abc', 3));
});

test('parts: the reportPart schema bounds seq, parts and data (in bytes)', () => {
  assert.ok(AgentReportPart.safeParse(part(0, 1, 'x')).success);
  assert.ok(AgentReportPart.safeParse(part(REPORT_MAX_PARTS - 1, REPORT_MAX_PARTS, 'x'.repeat(REPORT_PART_BYTES))).success);
  const bad = [
    part(1, 1, 'x'), // seq ≥ parts
    part(0, 0, 'x'),
    part(-1, 2, 'x'),
    part(0, REPORT_MAX_PARTS + 1, 'x'),
    part(0.5, 2, 'x'),
    part(0, 2, ''),
    part(0, 2, 'x'.repeat(REPORT_PART_BYTES + 1)),
    part(0, 2, 'é'.repeat(REPORT_PART_BYTES / 2 + 1)), // within the character count, over in bytes
    part(0, 2, 'x', -1),
    part(0, 2, 'x', 2 ** 31),
    { ...part(0, 2, 'x'), extra: 1 },
    { type: 'reportPart', id: 1, seq: 0, parts: 2 },
  ];
  for (const b of bad) assert.equal(AgentReportPart.safeParse(b).success, false, JSON.stringify(b).slice(0, 80));
});

test('parts: reportAck and known.reportPartBytes are server session frames; known without it still parses', () => {
  assert.deepEqual(ServerSessionFrame.parse({ type: 'reportAck', id: 1, seq: 0 }), { type: 'reportAck', id: 1, seq: 0 });
  assert.equal(ServerReportAck.safeParse({ type: 'reportAck', id: 1, seq: 0, parts: 2 }).success, false, 'strict');
  assert.ok(ServerKnown.safeParse({ type: 'known', inventoryHash: null, softwareHash: null }).success);
  assert.ok(ServerKnown.safeParse({ type: 'known', inventoryHash: null, softwareHash: null, reportPartBytes: REPORT_PART_BYTES }).success);
  for (const n of [0, 255, 65 * 1024, 1.5]) assert.equal(ServerKnown.safeParse({ type: 'known', inventoryHash: null, softwareHash: null, reportPartBytes: n }).success, false, String(n));
  assert.equal(AgentSessionFrame.safeParse(part(0, 1, 'x')).success, false, 'a part is not a whole report');
});

test('parts: the assembler joins parts in order into the report text, then starts over', () => {
  const a = new ReportAssembler(AGENT_SESSION_MAX_FRAME);
  const text = '{"type":"software","hash":"…"}'.repeat(100);
  const parts = splitReport(text, 64);
  parts.forEach((d, i) => {
    assert.equal(a.inProgress, i > 0);
    assert.deepEqual(a.add(part(i, parts.length, d)), { ok: true, text: i === parts.length - 1 ? text : null });
  });
  assert.equal(a.inProgress, false);
  assert.deepEqual(a.add(part(0, 1, 'next', 8)), { ok: true, text: 'next' }, 'a one-part report, then another id');
});

test('parts: the assembler refuses out-of-order seq, a changed parts count, a second id, and a total over its limit', () => {
  const refuse = (steps: Array<ReturnType<typeof part>>, pattern: RegExp, max = AGENT_SESSION_MAX_FRAME) => {
    const a = new ReportAssembler(max);
    const last = steps.pop();
    for (const s of steps) assert.equal(a.add(s).ok, true);
    const r = last && a.add(last);
    assert.ok(r && !r.ok && pattern.test(r.message), `${JSON.stringify(r)} should match ${pattern}`);
  };
  refuse([part(1, 3, 'b')], /before its part 0/);
  refuse([part(0, 3, 'a'), part(2, 3, 'c')], /Expected part 1 .* got part 2/);
  refuse([part(0, 3, 'a'), part(0, 3, 'a')], /Expected part 1/);
  refuse([part(0, 3, 'a'), part(1, 4, 'b')], /3 parts, not 4/);
  refuse([part(0, 3, 'a', 1), part(0, 3, 'a', 2)], /in progress/);
  refuse([part(0, 3, 'a', 1), part(1, 3, 'b', 2)], /in progress/);
  refuse([part(0, 3, 'aaaa'), part(1, 3, 'bbbb'), part(2, 3, 'c')], /larger than 8 bytes/, 8);
  refuse([part(0, 2, 'ééé'), part(1, 2, 'é')], /larger than 7 bytes/, 7);
});
