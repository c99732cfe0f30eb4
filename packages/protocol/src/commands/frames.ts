/**
 * Commands, power actions and Wake-on-LAN on the agent control connection (docs/design.md §10).
 * JSON text frames after `welcome`; strict objects, parsed on both ends.
 *
 *   server → agent  run          { runId, argv | script, timeoutMs, maxOutputBytes }
 *   agent  → server runOutput    { runId, stream, data }      data = base64 of the exact bytes
 *   agent  → server runExit      { runId, exitCode, signal, timedOut, truncated, error, durationMs }
 *   server → agent  power        { requestId, action }
 *   agent  → server powerResult  { requestId, action, ok, message }
 *   server → agent  wake         { requestId, macs, targets }
 *   agent  → server wakeResult   { requestId, ok, sent, message }
 *
 * `argv` is executed without a shell (argv[0] looked up on PATH); only `script` runs as
 * `/bin/sh -c SCRIPT`. Output is bounded by `maxOutputBytes` per run on the agent.
 */
import { z } from 'zod';
import { DeviceText } from '../session/inventory.js';

/** Ids of runs and requests: 16 random bytes, unpadded base64url. */
export const CommandId = z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'expected 16 bytes as base64url');

export const RUN_ARGV_MAX_ITEMS = 256;
export const RUN_ARG_MAX_CHARS = 8192;
export const RUN_SCRIPT_MAX_CHARS = 16 * 1024;
/** The largest encoded `run` frame the server sends (the agent accepts server frames up to 64 KiB). */
export const RUN_FRAME_MAX_BYTES = 60 * 1024;
export const RUN_TIMEOUT_MAX_MS = 3600_000;
/** The most output one device may send for one run (the server asks for less on big runs). */
export const RUN_OUTPUT_MAX_BYTES = 1024 * 1024;
/** Raw bytes per `runOutput` frame. */
export const RUN_OUTPUT_CHUNK_BYTES = 32 * 1024;

/** Text that can become a process argument: no NUL. */
const ArgText = (max: number) => z.string().max(max).regex(/^[^\u0000]*$/, 'NUL characters are not allowed');
export const RunArgv = z.array(ArgText(RUN_ARG_MAX_CHARS)).min(1).max(RUN_ARGV_MAX_ITEMS).refine((a) => (a[0] ?? '') !== '', 'the program name is empty');
export const RunScript = ArgText(RUN_SCRIPT_MAX_CHARS).min(1);

const Base64 = (maxBytes: number) =>
  z
    .string()
    .max(4 * Math.ceil(maxBytes / 3))
    .regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, 'expected base64');

export const OutputStream = z.enum(['stdout', 'stderr']);
export type OutputStream = z.infer<typeof OutputStream>;

export const ServerRun = z
  .strictObject({
    type: z.literal('run'),
    runId: CommandId,
    argv: RunArgv.optional(),
    script: RunScript.optional(),
    timeoutMs: z.number().int().min(1000).max(RUN_TIMEOUT_MAX_MS),
    maxOutputBytes: z.number().int().min(0).max(RUN_OUTPUT_MAX_BYTES),
  })
  .refine((r) => (r.argv === undefined) !== (r.script === undefined), 'give exactly one of argv and script');

export const AgentRunOutput = z.strictObject({
  type: z.literal('runOutput'),
  runId: CommandId,
  stream: OutputStream,
  data: Base64(RUN_OUTPUT_CHUNK_BYTES).min(1),
});

export const AgentRunExit = z.strictObject({
  type: z.literal('runExit'),
  runId: CommandId,
  /** The process's exit status; null when it was ended by a signal or never started. */
  exitCode: z.number().int().min(0).max(255).nullable(),
  signal: z.string().regex(/^SIG[A-Z0-9]{1,12}$/).nullable(),
  timedOut: z.boolean(),
  /** Output beyond maxOutputBytes was dropped. */
  truncated: z.boolean(),
  /** Why the command could not run (e.g. the program was not found); null when it ran. */
  error: DeviceText(256).nullable(),
  durationMs: z.number().int().min(0).max(24 * 3600_000),
});

export const POWER_ACTIONS = ['reboot', 'shutdown', 'sleep'] as const;
export const PowerAction = z.enum(POWER_ACTIONS);
export type PowerAction = z.infer<typeof PowerAction>;

export const ServerPower = z.strictObject({ type: z.literal('power'), requestId: CommandId, action: PowerAction });
export const AgentPowerResult = z.strictObject({
  type: z.literal('powerResult'),
  requestId: CommandId,
  action: PowerAction,
  ok: z.boolean(),
  message: DeviceText(512),
});

export const MacAddress = z.string().regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/, 'expected a MAC address like 00:11:22:aa:bb:cc');
export const Ipv4Address = z
  .string()
  .regex(/^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/, 'expected an IPv4 address');
export const WakeTarget = z.strictObject({ address: Ipv4Address, port: z.number().int().min(1).max(65535) });
export type WakeTarget = z.infer<typeof WakeTarget>;

export const ServerWake = z.strictObject({
  type: z.literal('wake'),
  requestId: CommandId,
  macs: z.array(MacAddress).min(1).max(16),
  targets: z.array(WakeTarget).min(1).max(16),
});
export const AgentWakeResult = z.strictObject({
  type: z.literal('wakeResult'),
  requestId: CommandId,
  ok: z.boolean(),
  /** Magic packets handed to the network. */
  sent: z.number().int().min(0).max(1024),
  message: DeviceText(512),
});

/** Server → agent command frames (part of ServerSessionFrame). */
export const ServerCommandFrame = z.discriminatedUnion('type', [ServerRun, ServerPower, ServerWake]);
/** Agent → server answers to command frames. */
export const AgentCommandFrame = z.discriminatedUnion('type', [AgentRunOutput, AgentRunExit, AgentPowerResult, AgentWakeResult]);
export const AGENT_COMMAND_FRAME_TYPES: ReadonlySet<string> = new Set(['runOutput', 'runExit', 'powerResult', 'wakeResult']);

export type ServerRun = z.infer<typeof ServerRun>;
export type AgentRunOutput = z.infer<typeof AgentRunOutput>;
export type AgentRunExit = z.infer<typeof AgentRunExit>;
export type ServerPower = z.infer<typeof ServerPower>;
export type AgentPowerResult = z.infer<typeof AgentPowerResult>;
export type ServerWake = z.infer<typeof ServerWake>;
export type AgentWakeResult = z.infer<typeof AgentWakeResult>;
export type ServerCommandFrame = z.infer<typeof ServerCommandFrame>;
export type AgentCommandFrame = z.infer<typeof AgentCommandFrame>;
