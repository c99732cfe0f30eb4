/**
 * Messages on the agent control connection after the handshake (`welcome`). JSON text frames with
 * a `type`; strict objects; parsed on both ends. Keep-alive uses WebSocket ping/pong frames.
 *
 *   server → agent  known      { inventoryHash, softwareHash,    what the server already holds;
 *                                reportPartBytes? }              present: it accepts reports in parts
 *   agent  → server inventory  { hash, inventory }               sent when its hash differs
 *   agent  → server software   { hash, software }                sent when its hash differs
 *   agent  → server reportPart { id, seq, parts, data }          one part of a report larger than a
 *                                                                part, after the previous part's ack (parts.ts)
 *   server → agent  reportAck  { id, seq }                       that part is accepted (parts.ts)
 *   server → agent  later      { retryAfterMs, reason }          disconnect and come back later
 *   server → agent  relayOpen  { relayId, token, protocol, … }   dial the relay for a session (relay/session.ts)
 *   server → agent  run, power, wake                             commands (commands/frames.ts; answers: AgentCommandFrame)
 *   server → agent  update, agent → server updateStatus           self-update (update.ts)
 */
import { z } from 'zod';
import { SoftwareInventory, SystemInventory } from './inventory.js';
import { ServerRelayOpen } from '../relay/session.js';
import { ServerPower, ServerRun, ServerWake } from '../commands/frames.js';
import { ServerReportAck } from './parts.js';
import { ServerUpdate } from './update.js';

/** SHA-256 hex of the canonical JSON of a report; the agent computes it, the server recomputes it. */
export const ReportHash = z.string().regex(/^[0-9a-f]{64}$/, 'expected SHA-256 hex');
/** Largest post-handshake frame the server accepts from an agent (the software list is the big one). */
export const AGENT_SESSION_MAX_FRAME = 4 * 1024 * 1024;

export const ServerKnown = z.strictObject({
  type: z.literal('known'),
  inventoryHash: ReportHash.nullable(),
  softwareHash: ReportHash.nullable(),
  /**
   * The largest `reportPart` data (UTF-8 bytes) the server accepts. Sent only to agents that
   * announced REPORT_PARTS_CAPABILITY (older agents refuse unknown fields); absent: whole frames only.
   */
  reportPartBytes: z.number().int().min(256).max(64 * 1024).optional(),
});
export const ServerLater = z.strictObject({
  type: z.literal('later'),
  retryAfterMs: z.number().int().min(0).max(24 * 3600_000),
  reason: z.string().max(256),
});

export const AgentInventoryReport = z.strictObject({ type: z.literal('inventory'), hash: ReportHash, inventory: SystemInventory });
export const AgentSoftwareReport = z.strictObject({ type: z.literal('software'), hash: ReportHash, software: SoftwareInventory });

/** The agent's reports (other agent frames: AgentUpdateStatus in update.ts, AgentCommandFrame, reportPart). */
export const AgentSessionFrame = z.discriminatedUnion('type', [AgentInventoryReport, AgentSoftwareReport]);
export const ServerSessionFrame = z.discriminatedUnion('type', [ServerKnown, ServerLater, ServerReportAck, ServerRelayOpen, ServerRun, ServerPower, ServerWake, ServerUpdate]);

export type ServerKnown = z.infer<typeof ServerKnown>;
export type ServerLater = z.infer<typeof ServerLater>;
export type AgentInventoryReport = z.infer<typeof AgentInventoryReport>;
export type AgentSoftwareReport = z.infer<typeof AgentSoftwareReport>;
export type AgentSessionFrame = z.infer<typeof AgentSessionFrame>;
export type ServerSessionFrame = z.infer<typeof ServerSessionFrame>;

export { canonicalJson } from './canonical.js';
