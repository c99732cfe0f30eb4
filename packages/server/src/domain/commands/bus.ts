/**
 * Bus channels of commands, power and Wake-on-LAN, and their message schemas. A networked bus
 * delivers JSON from other processes, so every subscriber parses messages with these first.
 *
 *   agent-deliveries  any worker → the worker holding the agent: put this frame (relayOpen, run,
 *                   power, wake) on that connection (the one channel for every server → agent frame)
 *   runs            run created (API worker), output / exit / lost (agent worker) → every worker's registry
 *   agent-replies   agent worker → API worker: the answer to a power or wake request (or `lost`,
 *                   or `not_supported` when the agent did not announce the capability)
 */
import { z } from 'zod';
import {
  AgentPowerResult, AgentWakeResult, CommandId, Hex96, OutputStream, RecordId, RunDeviceState, RunOutcome, RunTarget,
  ServerPower, ServerRelayOpen, ServerRun, ServerWake,
} from '@meshwork/protocol';

export const AGENT_DELIVERIES_CHANNEL = 'agent-deliveries';
export const RUNS_CHANNEL = 'runs';
export const AGENT_REPLIES_CHANNEL = 'agent-replies';

/** The server → agent frames that travel the bus to the worker holding the agent. */
export const DeliverableFrame = z.discriminatedUnion('type', [ServerRelayOpen, ServerRun, ServerPower, ServerWake]);
export type DeliverableFrame = z.infer<typeof DeliverableFrame>;

/** Deliver `frame` to the agent connection `connectionId` of `deviceId`, held by worker `workerId`. */
export const AgentDelivery = z.object({
  deviceId: Hex96,
  workerId: z.string().min(1).max(256),
  connectionId: z.string().min(1).max(64),
  /** Who asked (recorded in run results; relayOpen names its user in the frame). */
  actorId: RecordId.optional(),
  frame: DeliverableFrame,
});
export type AgentDelivery = z.infer<typeof AgentDelivery>;

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
  /** Set when the agent was not asked because it did not announce the capability. */
  code: z.literal('not_supported').optional(),
});
export type AgentReplyMessage = z.infer<typeof AgentReplyMessage>;
