/**
 * Agent self-update in the REST API (2026-12-08): a device group's policy and each device's update
 * state. The frames on the agent connection are in session/update.ts.
 */
import { z } from 'zod';
import { Hex96, IsoTime } from './models.js';

/**
 * Whether a group's agents update themselves: `off` never; `canary` as soon as the server has a
 * package of another version; `all` (the default) once a canary group proved the version — at
 * least one of its devices reported `updated` and none `failed` or `rolled-back` — or at once when
 * no canary group has devices.
 */
export const AGENT_UPDATE_POLICIES = ['off', 'all', 'canary'] as const;
export const AgentUpdatePolicy = z.enum(AGENT_UPDATE_POLICIES);
export type AgentUpdatePolicy = z.infer<typeof AgentUpdatePolicy>;

/** States of a device's update: `offered` (sent, no answer yet), then those the agent reports. */
export const AGENT_UPDATE_VIEW_STATES = ['offered', 'downloading', 'verifying', 'installing', 'restarting', 'updated', 'failed', 'rolled-back'] as const;

/** One device's agent version and update state. Strings come from agents: untrusted, printable. */
export const AgentUpdateView = z.object({
  deviceId: Hex96,
  deviceName: z.string(),
  groupId: Hex96,
  /** The agent version the device last connected with; null before it connected since 0005. */
  version: z.string().nullable(),
  platform: z.string().nullable(),
  /** The version of the latest offer; null when none was made. */
  target: z.string().nullable(),
  state: z.string().nullable(),
  error: z.string().nullable(),
  /** The versions this device will not be offered again (failed or rolled back) until a retry. */
  blocked: z.array(z.string()),
  at: IsoTime,
});
export type AgentUpdateView = z.infer<typeof AgentUpdateView>;
