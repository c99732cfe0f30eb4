/**
 * Bus channels of commands, power and Wake-on-LAN, and their message schemas. A networked bus
 * delivers JSON from other processes, so every subscriber parses messages with these first.
 *
 *   agent-commands  API worker → the worker holding the agent: send this frame on that connection
 *   runs            run created (API worker), output / exit / lost (agent worker) → every worker's registry
 *   agent-replies   agent worker → API worker: the answer to a power or wake request (or `lost`)
 */
import { z } from 'zod';
import {
  AgentPowerResult, AgentWakeResult, CommandId, Hex96, OutputStream, RecordId, RunDeviceState, RunOutcome, RunTarget,
  ServerCommandFrame,
} from '@meshwork/protocol';

export const AGENT_COMMANDS_CHANNEL = 'agent-commands';
export const RUNS_CHANNEL = 'runs';
export const AGENT_REPLIES_CHANNEL = 'agent-replies';

/** Deliver `frame` to the agent connection `connectionId` of `deviceId`, held by worker `workerId`. */
export const AgentCommandMessage = z.object({
  deviceId: Hex96,
  workerId: z.string().min(1).max(256),
  connectionId: z.string().min(1).max(64),
  /** Who asked (recorded in the result events). */
  actorId: RecordId,
  frame: ServerCommandFrame,
});
export type AgentCommandMessage = z.infer<typeof AgentCommandMessage>;

export const RunCreatedMessage = z.object({
  type: z.literal('created'),
  runId: CommandId,
  origin: z.string().min(1).max(256),
  actorId: RecordId,
  createdAt: z.number().int(),
  command: z.array(z.string()).nullable(),
  script: z.string().nullable(),
  timeoutMs: z.number().int().min(0),
  maxOutputBytes: z.number().int().min(0),
  devices: z.array(RunTarget),
});
export const RunOutputMessage = z.object({
  type: z.literal('output'),
  runId: CommandId,
  deviceId: Hex96,
  stream: OutputStream,
  /** base64 */
  data: z.string(),
});
export const RunExitMessage = z.object({
  type: z.literal('exit'),
  runId: CommandId,
  deviceId: Hex96,
  state: RunDeviceState,
  outcome: RunOutcome,
});
export const RunMessage = z.discriminatedUnion('type', [RunCreatedMessage, RunOutputMessage, RunExitMessage]);
export type RunCreatedMessage = z.infer<typeof RunCreatedMessage>;
export type RunOutputMessage = z.infer<typeof RunOutputMessage>;
export type RunExitMessage = z.infer<typeof RunExitMessage>;
export type RunMessage = z.infer<typeof RunMessage>;

export const AgentReplyMessage = z.object({
  requestId: CommandId,
  deviceId: Hex96,
  /** null: the request never reached the agent, or its connection closed before it answered. */
  reply: z.discriminatedUnion('type', [AgentPowerResult, AgentWakeResult]).nullable(),
  message: z.string().max(512),
});
export type AgentReplyMessage = z.infer<typeof AgentReplyMessage>;
