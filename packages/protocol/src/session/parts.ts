/**
 * Reports in acknowledged parts. Node's TLS layer (TLSWrap's NodeBIO ring buffers) keeps, for the
 * whole life of a socket, native buffers as large as the largest burst of bytes that ever arrived
 * on it at once. A software list sent as one 100 KB frame cost the server ~112 KB per connection,
 * forever (measured: 2,000 idle connections, forced GC); the same 100 KB in acknowledged parts of
 * 4 KB cost 51 KB, of 1 KB 50 KB, and a connection that sent no report ~33 KB. So a report larger
 * than one part goes as `reportPart` frames, each sent only after the server acknowledged the one
 * before (`reportAck`): never more than one small frame of it is in flight.
 *
 *   agent  → server  reportPart { id, seq, parts, data }   data: the next slice of the report
 *                                                          frame's JSON text, ≤ REPORT_PART_BYTES
 *   server → agent   reportAck  { id, seq }                part `seq` of report `id` is accepted
 *
 * The joined `data` of parts 0 … parts-1 is the text of one `inventory` or `software` frame, handled
 * exactly as if it had come whole (same schema, hash check and size limit; it counts once against
 * the report rate). One report at a time per connection, parts in order, `parts` fixed by part 0.
 *
 * Compatibility: an agent announces REPORT_PARTS_CAPABILITY in `auth.info.capabilities`; a server
 * that accepts parts then says so in `known.reportPartBytes` (only to such agents: older agents
 * parse `known` strictly). An agent sends parts only when that field is there, and whole frames
 * otherwise; a server accepts whole frames from every agent.
 *
 * Size: 2,048 bytes of data is ~2.4 KB on the wire for a package list (its quotes are escaped once
 * more inside `data`), ≤ ~4.2 KB in the worst case — at or below the measured 4 KB point. Smaller
 * parts saved ≤ 7 KB more per connection at twice the frames and round trips (~50 for 100 KB).
 */
import { z } from 'zod';

/** Largest `data` of one part, in UTF-8 bytes (see the header for why this size). */
export const REPORT_PART_BYTES = 2048;
/** Most parts one report may have: twice what a 4 MiB report needs at full size. */
export const REPORT_MAX_PARTS = 4096;
/** The capability an agent announces when it can send reports in parts. */
export const REPORT_PARTS_CAPABILITY = 'report-parts';

/** UTF-8 length of `s` (a lone surrogate counts 3, as its replacement character does). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; ) {
    const w = utf8Width(s, i);
    n += w;
    i += w === 4 ? 2 : 1;
  }
  return n;
}

/** UTF-8 bytes of the character at `i` (4: a surrogate pair, two UTF-16 units; a lone surrogate: 3). */
function utf8Width(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c < 0x80) return 1;
  if (c < 0x800) return 2;
  return c >= 0xd800 && c <= 0xdbff && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 4 : 3;
}

export function splitReport(text: string, maxBytes: number = REPORT_PART_BYTES): string[] {
  if (maxBytes < 4) throw new RangeError('maxBytes must be at least 4');
  const out: string[] = [];
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < text.length; ) {
    const w = utf8Width(text, i);
    if (bytes + w > maxBytes) {
      out.push(text.slice(start, i));
      start = i;
      bytes = 0;
    }
    bytes += w;
    i += w === 4 ? 2 : 1;
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

const ReportId = z.number().int().min(0).max(2 ** 31 - 1);

export const AgentReportPart = z
  .strictObject({
    type: z.literal('reportPart'),
    /** Chosen by the agent; the same for every part of one report. */
    id: ReportId,
    seq: z.number().int().min(0).max(REPORT_MAX_PARTS - 1),
    parts: z.number().int().min(1).max(REPORT_MAX_PARTS),
    data: z
      .string()
      .min(1)
      .max(REPORT_PART_BYTES)
      .refine((s) => utf8Length(s) <= REPORT_PART_BYTES, `at most ${REPORT_PART_BYTES} UTF-8 bytes`),
  })
  .refine((p) => p.seq < p.parts, { message: 'seq must be below parts', path: ['seq'] });

export const ServerReportAck = z.strictObject({
  type: z.literal('reportAck'),
  id: ReportId,
  seq: z.number().int().min(0).max(REPORT_MAX_PARTS - 1),
});

export type AgentReportPart = z.infer<typeof AgentReportPart>;
export type ServerReportAck = z.infer<typeof ServerReportAck>;

export type PartOutcome = { ok: true; text: string | null } | { ok: false; message: string };

/**
 * Reassembles one report from its parts (the server's side): part 0 starts it, then the parts of
 * that report in order; `text` is the whole report once the last part is in. Any other part is
 * refused with a message (safe to send back: no echo of agent data). Keeps the parts as a list and
 * joins them once at the end.
 */
export class ReportAssembler {
  private id = 0;
  private parts = 0;
  private chunks: string[] = [];
  private bytes = 0;

  /** @param maxBytes the largest whole report, in UTF-8 bytes (AGENT_SESSION_MAX_FRAME). */
  constructor(private readonly maxBytes: number) {}

  /** True between part 0 and the last part of a report. */
  get inProgress(): boolean {
    return this.chunks.length > 0;
  }

  add(p: AgentReportPart): PartOutcome {
    const next = this.chunks.length;
    if (next === 0) {
      if (p.seq !== 0) return refused(`Part ${p.seq} of report ${p.id} came before its part 0.`);
      this.id = p.id;
      this.parts = p.parts;
    } else if (p.id !== this.id) {
      return refused(`Report ${p.id} started while report ${this.id} is in progress (one at a time).`);
    } else if (p.parts !== this.parts) {
      return refused(`Report ${p.id} was announced with ${this.parts} parts, not ${p.parts}.`);
    } else if (p.seq !== next) {
      return refused(`Expected part ${next} of report ${p.id}, got part ${p.seq}.`);
    }
    this.bytes += utf8Length(p.data);
    if (this.bytes > this.maxBytes) return refused(`Report ${p.id} is larger than ${this.maxBytes} bytes.`);
    this.chunks.push(p.data);
    if (this.chunks.length < this.parts) return { ok: true, text: null };
    const text = this.chunks.join('');
    this.chunks = [];
    this.bytes = 0;
    return { ok: true, text };
  }
}

const refused = (message: string): PartOutcome => ({ ok: false, message });
