/**
 * REST shapes of commands on many devices (`/api/v1/runs`), power actions and Wake-on-LAN
 * (`/api/v1/devices/:id/power|wake`). The endpoints themselves are in api/endpoints.ts.
 */
import { z } from 'zod';
import { Hex96, IsoTime, RecordId } from '../api/models.js';
import { CommandId, MacAddress, PowerAction, RunArgv, RunScript } from './frames.js';

export const RUN_DEFAULT_TIMEOUT_SECONDS = 60;
export const RUN_MAX_TIMEOUT_SECONDS = 3600;
/** The most devices one run may select (a group or a tag with more is refused). */
export const RUN_MAX_DEVICES = 5000;

/**
 * `POST /api/v1/runs`. The selection is `deviceIds`, or `groupId` and/or `tag` (both: the tagged
 * devices of that group). The command is `command` (argv, no shell) or `script` (`/bin/sh -c`).
 */
export const RunCreateBody = z
  .strictObject({
    deviceIds: z.array(Hex96).min(1).max(1000).optional(),
    groupId: Hex96.optional(),
    tag: z.string().trim().min(1).max(64).optional(),
    command: RunArgv.optional(),
    script: RunScript.optional(),
    timeoutSeconds: z.number().int().min(1).max(RUN_MAX_TIMEOUT_SECONDS).default(RUN_DEFAULT_TIMEOUT_SECONDS),
  })
  .superRefine((b, ctx) => {
    if ((b.command === undefined) === (b.script === undefined)) ctx.addIssue({ code: 'custom', path: ['command'], message: 'give exactly one of command and script' });
    const byGroupOrTag = b.groupId !== undefined || b.tag !== undefined;
    if (b.deviceIds === undefined && !byGroupOrTag) ctx.addIssue({ code: 'custom', path: ['deviceIds'], message: 'select devices with deviceIds, groupId or tag' });
    if (b.deviceIds !== undefined && byGroupOrTag) ctx.addIssue({ code: 'custom', path: ['deviceIds'], message: 'deviceIds cannot be combined with groupId or tag' });
  });
export type RunCreateBody = z.infer<typeof RunCreateBody>;

/**
 * Per device: `sent` (on its way to the agent), `offline`, `denied` (visible, but no `runCommands`),
 * then `exited` (with exitCode/signal), `failed` (could not start), `timeout` (killed at the
 * timeout), `lost` (the agent disconnected or never answered).
 */
export const RUN_DEVICE_STATES = ['sent', 'offline', 'denied', 'exited', 'failed', 'timeout', 'lost'] as const;
export const RunDeviceState = z.enum(RUN_DEVICE_STATES);
export type RunDeviceState = z.infer<typeof RunDeviceState>;

export const RunTarget = z.object({ deviceId: Hex96, name: z.string().max(256), state: RunDeviceState });
export type RunTarget = z.infer<typeof RunTarget>;

export const RunCreated = z.object({ runId: CommandId, devices: z.array(RunTarget) });
export type RunCreated = z.infer<typeof RunCreated>;

/** How one device's command ended (absent fields: still running, or never sent). */
export const RunOutcome = z.object({
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  timedOut: z.boolean(),
  truncated: z.boolean(),
  error: z.string().nullable(),
  durationMs: z.number().int().nullable(),
});
export type RunOutcome = z.infer<typeof RunOutcome>;

export const RunDeviceView = RunTarget.extend({
  ...RunOutcome.shape,
  /** Output as UTF-8 text (invalid sequences replaced), at most RUN_VIEW_OUTPUT_CHARS per stream. */
  stdout: z.string(),
  stderr: z.string(),
  stdoutBytes: z.number().int(),
  stderrBytes: z.number().int(),
  /** The text above is shorter than the output the server holds (use the stream for all of it). */
  outputCut: z.boolean(),
});
export type RunDeviceView = z.infer<typeof RunDeviceView>;
export const RUN_VIEW_OUTPUT_CHARS = 64 * 1024;

export const RunView = z.object({
  runId: CommandId,
  actorId: RecordId,
  createdAt: IsoTime,
  command: z.array(z.string()).nullable(),
  script: z.string().nullable(),
  timeoutSeconds: z.number().int(),
  /** Every device has a final state. */
  done: z.boolean(),
  devices: z.array(RunDeviceView),
});
export type RunView = z.infer<typeof RunView>;

export const PowerBody = z.strictObject({ action: PowerAction });
export const PowerResult = z.object({
  deviceId: Hex96,
  action: PowerAction,
  /** `no_answer`: the agent did not confirm in time (a reboot may have been faster than the answer). */
  result: z.enum(['ok', 'failed', 'no_answer']),
  message: z.string(),
});
export type PowerResult = z.infer<typeof PowerResult>;

export const WakeAgentResult = z.object({
  deviceId: Hex96,
  name: z.string().max(256),
  result: z.enum(['sent', 'failed', 'no_answer']),
  message: z.string(),
});
export const WakeResult = z.object({
  deviceId: Hex96,
  macs: z.array(MacAddress),
  /** The online agents in the device's subnets that were asked to send the magic packets (≤ 3). */
  agents: z.array(WakeAgentResult),
});
export type WakeAgentResult = z.infer<typeof WakeAgentResult>;
export type WakeResult = z.infer<typeof WakeResult>;
