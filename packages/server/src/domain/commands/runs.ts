/**
 * Starting a run: select the devices (rights), find which agents are online, record the audit
 * event, announce the run to every worker's registry, then send each online agent its `run` frame.
 * Output and exits come back through agent-side.ts and RUNS_CHANNEL.
 */
import { RUN_FRAME_MAX_BYTES, RUN_OUTPUT_MAX_BYTES, type RunCreateBody, type RunCreated, type RunTarget, type ServerRun } from '@meshwork/protocol';
import { ApiError } from '../../errors.js';
import type { Principal, System } from '../../system.js';
import { RUNS_CHANNEL, type RunCreatedMessage } from './bus.js';
import { locateAgents, newCommandId, sendToAgent } from './dispatch.js';
import { COMMAND_EVENT_TYPES } from './events.js';
import { selectDevices } from './selection.js';

/** Output one run may hold in total; each device gets a share (see outputCap). */
export const RUN_OUTPUT_BUDGET_BYTES = 32 * 1024 * 1024;
export const RUN_OUTPUT_MIN_BYTES = 4 * 1024;

/** Bytes of output each of `devices` devices may send: the budget shared out, within [4 KiB, 1 MiB]. */
export function outputCap(devices: number): number {
  const share = Math.floor(RUN_OUTPUT_BUDGET_BYTES / Math.max(1, devices));
  return Math.max(RUN_OUTPUT_MIN_BYTES, Math.min(RUN_OUTPUT_MAX_BYTES, share));
}

/** The command as one line for events and logs (argv shell-quoted where needed), at most `max` characters. */
export function commandText(command: readonly string[] | null, script: string | null, max = 1024): string {
  const text = command ? command.map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ') : `sh -c ${JSON.stringify(script ?? '')}`;
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export async function startRun(sys: System, p: Principal, body: RunCreateBody): Promise<RunCreated> {
  const { allowed, denied } = await selectDevices(sys, p, body, 'runCommands');
  const online = await locateAgents(sys, allowed.map((d) => d.id));
  const sent = allowed.filter((d) => online.has(d.id));
  const runId = newCommandId();
  const timeoutMs = body.timeoutSeconds * 1000;
  const maxOutputBytes = outputCap(sent.length);
  const frame: ServerRun = { type: 'run', runId, ...(body.command ? { argv: body.command } : { script: body.script ?? '' }), timeoutMs, maxOutputBytes };
  if (Buffer.byteLength(JSON.stringify(frame)) > RUN_FRAME_MAX_BYTES) throw new ApiError('validation_failed', `The command is longer than ${RUN_FRAME_MAX_BYTES} bytes when encoded.`);
  if (!sys.commands.runs.fits(sent.length, maxOutputBytes)) throw new ApiError('rate_limited', 'Too many commands are running on this server; try again when some have finished.');

  const devices: RunTarget[] = [
    ...allowed.map((d): RunTarget => ({ deviceId: d.id, name: d.name, state: online.has(d.id) ? 'sent' : 'offline' })),
    ...denied.map((d): RunTarget => ({ deviceId: d.id, name: d.name, state: 'denied' })),
  ];
  const command = body.command ?? null;
  const script = body.script ?? null;
  const text = commandText(command, script);
  const only = devices.length === 1 ? devices[0] : undefined;
  await sys.events.emit({
    type: COMMAND_EVENT_TYPES.runStarted,
    message: `${p.user.name} ran ${text} on ${only ? only.name : `${devices.length} devices`}`,
    actorId: p.user.id,
    deviceId: only?.deviceId ?? null,
    visibleTo: [...new Set(allowed.map((d) => d.groupId))],
    data: {
      runId, command: text, timeoutSeconds: body.timeoutSeconds,
      devices: devices.length, sent: sent.length, offline: allowed.length - sent.length, denied: denied.length,
    },
  });

  const created: RunCreatedMessage = { type: 'created', runId, origin: sys.bus.workerId, actorId: p.user.id, createdAt: sys.now(), command, script, timeoutMs, maxOutputBytes, devices };
  sys.commands.runs.apply(created, sys.now()); // seen here at once; the bus copy is then a no-op
  await sys.bus.publish(RUNS_CHANNEL, created);
  for (const d of sent) {
    const target = online.get(d.id);
    if (target) await sendToAgent(sys, target, p.user.id, frame);
  }
  sys.log.info({ runId, actorId: p.user.id, sent: sent.length, offline: allowed.length - sent.length, denied: denied.length }, 'run started');
  return { runId, devices };
}
