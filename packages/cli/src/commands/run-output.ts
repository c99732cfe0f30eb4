/**
 * How `meshwork run` shows a run: raw bytes for one device, lines prefixed with the device name
 * for several, a progress bar on a terminal, a summary, and the exit code.
 *
 * Exit code: one device — exactly its exit code (128 + n when a signal ended it, 124 at the
 * timeout, 127 when the program was not found, 126 when it could not start otherwise, 255 when the
 * device was not reached); several — 0 when every device exited 0, else 1.
 */
import { constants } from 'node:os';
import type { RunDeviceState, RunOutcome, RunTarget } from '@meshwork/protocol';
import { printable } from '../output/printable.js';

export interface DeviceEnd {
  state: RunDeviceState;
  outcome: RunOutcome | null;
}

export const EXIT_TIMEOUT = 124;
export const EXIT_CANNOT_RUN = 126;
export const EXIT_NOT_FOUND = 127;
export const EXIT_UNREACHED = 255;

export function deviceExitCode(end: DeviceEnd): number {
  const o = end.outcome;
  switch (end.state) {
    case 'exited':
      if (o?.exitCode !== null && o?.exitCode !== undefined) return o.exitCode;
      return 128 + (o?.signal ? (constants.signals[o.signal as NodeJS.Signals] ?? 0) : 0);
    case 'timeout':
      return EXIT_TIMEOUT;
    case 'failed':
      return /not found/.test(o?.error ?? '') ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN;
    default:
      return EXIT_UNREACHED;
  }
}

export function runExitCode(ends: readonly DeviceEnd[]): number {
  if (ends.length === 1 && ends[0]) return deviceExitCode(ends[0]);
  return ends.length > 0 && ends.every((e) => e.state === 'exited' && e.outcome?.exitCode === 0) ? 0 : 1;
}

export type SummaryKey = 'ok' | 'failed' | 'timeout' | 'offline' | 'denied';

export function summaryKey(end: DeviceEnd): SummaryKey {
  if (end.state === 'exited') return end.outcome?.exitCode === 0 ? 'ok' : 'failed';
  if (end.state === 'timeout' || end.state === 'offline' || end.state === 'denied') return end.state;
  return 'failed'; // failed to start, lost
}

export function summaryLine(ends: readonly DeviceEnd[]): string {
  const n: Record<SummaryKey, number> = { ok: 0, failed: 0, timeout: 0, offline: 0, denied: 0 };
  for (const e of ends) n[summaryKey(e)]++;
  const parts = [`${n.ok} ok`, `${n.failed} failed`, `${n.timeout} timeout`, `${n.offline} offline`];
  if (n.denied > 0) parts.push(`${n.denied} denied`);
  return `${ends.length} device${ends.length === 1 ? '' : 's'}: ${parts.join(', ')}`;
}

/** What went wrong on a device, for stderr (null when it simply exited). */
export function endNote(name: string, end: DeviceEnd, timeoutSeconds: number): string | null {
  const o = end.outcome;
  switch (end.state) {
    case 'exited':
      return o?.exitCode === null && o?.signal ? `${name}: ended by ${o.signal}` : null;
    case 'timeout':
      return `${name}: killed after the ${timeoutSeconds} s timeout`;
    case 'failed':
      return `${name}: could not run: ${o?.error ?? 'unknown error'}`;
    case 'lost':
      return `${name}: no result: ${o?.error ?? 'the agent disconnected'}`;
    case 'offline':
      return `${name}: offline`;
    case 'denied':
      return `${name}: not allowed (runCommands)`;
    default:
      return null;
  }
}

/**
 * Splits one device's stream into whole lines, each prefixed with `[name] `. The partial last
 * line is kept until more bytes arrive or `flush` is called.
 */
export class LinePrefixer {
  private pending: Buffer = Buffer.alloc(0);
  constructor(private readonly prefix: string) {}

  push(data: Buffer): Buffer {
    const all = this.pending.length > 0 ? Buffer.concat([this.pending, data]) : data;
    const last = all.lastIndexOf(0x0a);
    if (last < 0) {
      this.pending = Buffer.from(all);
      return Buffer.alloc(0);
    }
    this.pending = Buffer.from(all.subarray(last + 1));
    return this.prefixLines(all.subarray(0, last + 1));
  }

  flush(): Buffer {
    if (this.pending.length === 0) return Buffer.alloc(0);
    const out = this.prefixLines(Buffer.concat([this.pending, Buffer.from('\n')]));
    this.pending = Buffer.alloc(0);
    return out;
  }

  private prefixLines(lines: Buffer): Buffer {
    const parts: Buffer[] = [];
    const p = Buffer.from(this.prefix);
    let start = 0;
    while (start < lines.length) {
      const nl = lines.indexOf(0x0a, start);
      const end = nl < 0 ? lines.length : nl + 1;
      parts.push(p, lines.subarray(start, end));
      start = end;
    }
    return Buffer.concat(parts);
  }
}

/** `[#####-----] 5/10` — a plain progress bar for a terminal's stderr. */
export function progressBar(done: number, total: number, width = 30): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}`;
}

/** Display names that tell devices apart (a duplicate name gets its id prefix). */
export function labels(devices: readonly RunTarget[]): Map<string, string> {
  const count = new Map<string, number>();
  for (const d of devices) count.set(d.name, (count.get(d.name) ?? 0) + 1);
  return new Map(devices.map((d) => [d.deviceId, printable((count.get(d.name) ?? 0) > 1 ? `${d.name}#${d.deviceId.slice(0, 8)}` : d.name)]));
}
