/**
 * How one device's run ends: the agent's `runExit` as a state and an outcome, and the durable
 * record — a `run.result` event with the exit status and the first RESULT_EXCERPT_BYTES of each
 * output stream. Output is the device's data, so the event is visible only to the user who ran it,
 * site admins and holders of `runCommands` on the device's group (authz/runs.ts), not to everyone
 * who sees the group.
 */
import type { AgentRunExit, RunDeviceState, RunOutcome } from '@meshwork/protocol';
import { runOutputAudience } from '../../authz/runs.js';
import type { System } from '../../system.js';
import { COMMAND_EVENT_TYPES, RESULT_EXCERPT_BYTES } from './events.js';

export function stateOfExit(e: AgentRunExit): RunDeviceState {
  if (e.error !== null) return 'failed';
  if (e.timedOut) return 'timeout';
  return 'exited';
}

export function outcomeOfExit(e: AgentRunExit): RunOutcome {
  return { exitCode: e.exitCode, signal: e.signal, timedOut: e.timedOut, truncated: e.truncated, error: e.error, durationMs: e.durationMs };
}

/** The first bytes of one stream, collected as chunks arrive (never more than `limit`). */
export class Excerpt {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  total = 0;
  constructor(private readonly limit: number = RESULT_EXCERPT_BYTES) {}

  add(data: Buffer): void {
    this.total += data.length;
    const room = this.limit - this.kept;
    if (room <= 0) return;
    const part = data.length > room ? data.subarray(0, room) : data;
    this.chunks.push(Buffer.from(part));
    this.kept += part.length;
  }

  /** UTF-8 text (invalid or cut sequences become U+FFFD). */
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }

  get cut(): boolean {
    return this.total > this.kept;
  }
}

export interface RunResult {
  runId: string;
  deviceId: string;
  actorId: string;
  state: RunDeviceState;
  outcome: RunOutcome;
  stdout?: Excerpt;
  stderr?: Excerpt;
}

export function describeOutcome(state: RunDeviceState, o: RunOutcome): string {
  switch (state) {
    case 'exited':
      return o.exitCode !== null ? `exited with ${o.exitCode}` : `was ended by ${o.signal ?? 'a signal'}`;
    case 'timeout':
      return 'was killed at its timeout';
    case 'failed':
      return `could not start: ${o.error ?? 'unknown error'}`;
    case 'lost':
      return `has no result: ${o.error ?? 'the agent disconnected'}`;
    default:
      return state;
  }
}

export async function recordRunResult(sys: Pick<System, 'store' | 'events'>, r: RunResult): Promise<void> {
  const device = await sys.store.getDevice(r.deviceId);
  if (!device) return; // removed meanwhile: nobody left to show it to
  await sys.events.emit({
    type: COMMAND_EVENT_TYPES.runResult,
    message: `Command on ${device.name} ${describeOutcome(r.state, r.outcome)}`,
    actorId: r.actorId,
    deviceId: device.id,
    groupId: device.groupId,
    onlyVisibleTo: [runOutputAudience(device.groupId)],
    data: {
      runId: r.runId,
      state: r.state,
      ...r.outcome,
      stdout: r.stdout?.text() ?? '',
      stderr: r.stderr?.text() ?? '',
      stdoutBytes: r.stdout?.total ?? 0,
      stderrBytes: r.stderr?.total ?? 0,
      excerptCut: (r.stdout?.cut ?? false) || (r.stderr?.cut ?? false),
    },
  });
}
