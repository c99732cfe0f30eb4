/**
 * Recent runs, as this worker knows them. Every worker keeps the same view: it is built only from
 * RUNS_CHANNEL messages (created by the API worker; output and exits from the worker holding each
 * agent), so a GET or a stream on any worker sees the whole run.
 *
 * Memory is bounded three ways: each device's output is cut at the run's maxOutputBytes (the agent
 * cuts there too), new runs are refused while the runs in progress could hold more than
 * ACTIVE_BUDGET_BYTES, and finished runs are forgotten after RETAIN_MS or when the finished ones
 * hold more than RETAIN_BYTES / RETAIN_RUNS (oldest first). The durable record is the
 * `run.result` events; this is the live view.
 */
import type { OutputStream, RunDeviceState, RunOutcome, RunTarget } from '@meshwork/protocol';
import type { RunCreatedMessage, RunMessage } from './bus.js';

/** After timeout + this, a device with no result is `lost`. Covers the agent's kill and report. */
export const RESULT_GRACE_MS = 30_000;
export const ACTIVE_BUDGET_BYTES = 256 * 1024 * 1024;
export const RETAIN_MS = 3600_000;
export const RETAIN_BYTES = 256 * 1024 * 1024;
export const RETAIN_RUNS = 200;

export interface RunDevice extends RunTarget {
  outcome: RunOutcome | null;
  bytes: { stdout: number; stderr: number };
  /** Output arrived beyond maxOutputBytes and was dropped here. */
  clipped: boolean;
}

export type RunLogEntry =
  | { kind: 'output'; deviceId: string; stream: OutputStream; data: Buffer }
  | { kind: 'exit'; deviceId: string; state: RunDeviceState; outcome: RunOutcome };

export const FINAL_STATES: ReadonlySet<RunDeviceState> = new Set<RunDeviceState>(['offline', 'denied', 'exited', 'failed', 'timeout', 'lost']);

export const lostOutcome = (error: string): RunOutcome => ({ exitCode: null, signal: null, timedOut: false, truncated: false, error, durationMs: null });

export class Run {
  readonly id: string;
  readonly actorId: string;
  /** The worker that created the run (it records results nobody else can: `lost` at the deadline). */
  readonly origin: string;
  readonly createdAt: number;
  readonly command: string[] | null;
  readonly script: string | null;
  readonly timeoutMs: number;
  readonly maxOutputBytes: number;
  readonly devices = new Map<string, RunDevice>();
  /** Output and exits in arrival order; entry i has seq i + 1. */
  readonly log: RunLogEntry[] = [];
  bytes = 0;
  open = 0;
  finishedAt: number | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(m: RunCreatedMessage) {
    this.id = m.runId;
    this.actorId = m.actorId;
    this.origin = m.origin;
    this.createdAt = m.createdAt;
    this.command = m.command;
    this.script = m.script;
    this.timeoutMs = m.timeoutMs;
    this.maxOutputBytes = m.maxOutputBytes;
    for (const d of m.devices) {
      this.devices.set(d.deviceId, { ...d, outcome: null, bytes: { stdout: 0, stderr: 0 }, clipped: false });
      if (d.state === 'sent') this.open++;
    }
    if (this.open === 0) this.finishedAt = m.createdAt;
  }

  get deadline(): number {
    return this.createdAt + this.timeoutMs + RESULT_GRACE_MS;
  }

  get done(): boolean {
    return this.finishedAt !== null;
  }

  /** Calls `fn` after every change (new output, an exit); returns the unsubscribe function. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => void this.listeners.delete(fn);
  }

  output(deviceId: string, stream: OutputStream, data: Buffer): void {
    const d = this.devices.get(deviceId);
    if (!d || d.state !== 'sent' || data.length === 0) return;
    const room = this.maxOutputBytes - d.bytes.stdout - d.bytes.stderr;
    if (room <= 0) {
      d.clipped = true;
      return;
    }
    const kept = data.length > room ? data.subarray(0, room) : data;
    if (kept.length < data.length) d.clipped = true;
    d.bytes[stream] += kept.length;
    this.bytes += kept.length;
    this.log.push({ kind: 'output', deviceId, stream, data: kept });
    this.notify();
  }

  exit(deviceId: string, state: RunDeviceState, outcome: RunOutcome, now: number): boolean {
    const d = this.devices.get(deviceId);
    if (!d || d.state !== 'sent' || !FINAL_STATES.has(state)) return false;
    d.state = state;
    d.outcome = d.clipped ? { ...outcome, truncated: true } : outcome;
    this.log.push({ kind: 'exit', deviceId, state, outcome: d.outcome });
    this.open--;
    if (this.open === 0) this.finishedAt = now;
    this.notify();
    return true;
  }

  private notify(): void {
    for (const fn of [...this.listeners]) fn();
  }
}

export interface RegistryHooks {
  /** A device of a run created on this worker had no result by the deadline (already marked `lost`). */
  lostAtDeadline?(run: Run, device: RunDevice): void;
}

export class RunRegistry {
  private readonly runs = new Map<string, Run>();

  constructor(
    private readonly workerId: string,
    private readonly hooks: RegistryHooks = {},
  ) {}

  get size(): number {
    return this.runs.size;
  }

  get(id: string): Run | undefined {
    return this.runs.get(id);
  }

  apply(m: RunMessage, now: number): void {
    if (m.type === 'created') {
      if (!this.runs.has(m.runId)) this.runs.set(m.runId, new Run(m));
      this.sweep(now);
      return;
    }
    const run = this.runs.get(m.runId);
    if (!run) return;
    if (m.type === 'output') run.output(m.deviceId, m.stream, Buffer.from(m.data, 'base64'));
    else run.exit(m.deviceId, m.state, m.outcome, now);
  }

  /** Whether a run of `devices` devices, each allowed `maxOutputBytes`, fits beside the runs in progress. */
  fits(devices: number, maxOutputBytes: number): boolean {
    let reserved = 0;
    for (const r of this.runs.values()) if (!r.done) reserved += r.open * r.maxOutputBytes;
    return reserved + devices * maxOutputBytes <= ACTIVE_BUDGET_BYTES;
  }

  /** Deadlines (devices without a result become `lost`) and retention of finished runs. */
  sweep(now: number): void {
    for (const run of this.runs.values()) {
      if (run.done || now < run.deadline) continue;
      for (const d of run.devices.values()) {
        if (d.state !== 'sent') continue;
        run.exit(d.deviceId, 'lost', lostOutcome('no result from the agent before the deadline'), now);
        if (run.origin === this.workerId) this.hooks.lostAtDeadline?.(run, d);
      }
    }
    const finished = [...this.runs.values()].filter((r) => r.done).sort((a, b) => (a.finishedAt ?? 0) - (b.finishedAt ?? 0));
    let bytes = finished.reduce((n, r) => n + r.bytes, 0);
    let count = finished.length;
    for (const r of finished) {
      if (now - (r.finishedAt ?? 0) < RETAIN_MS && bytes <= RETAIN_BYTES && count <= RETAIN_RUNS) break;
      this.runs.delete(r.id);
      bytes -= r.bytes;
      count--;
    }
  }

  clear(): void {
    this.runs.clear();
  }
}
