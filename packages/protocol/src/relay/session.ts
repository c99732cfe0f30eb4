/**
 * Relay sessions: how a user's socket and an agent's socket are paired by the server and what the
 * server tells the agent. The bytes between the two ends belong to one application protocol
 * (terminal.ts, files.ts, tcp.ts); the server only pipes them, with backpressure.
 *
 *   user   POST /api/v1/devices/:id/sessions {protocol, …}     → {sessionId, url, expiresAt}
 *   server → agent (control connection)  relayOpen {relayId, token, protocol, userId, userName, rights, options}
 *   user   WSS RELAY_USER_PATH?session=<sessionId>       (the same user; bearer token, or cookie + Origin + csrf)
 *   agent  WSS RELAY_AGENT_PATH?session=<token>          (only after checking the TLS certificate is the pinned one)
 *
 * `sessionId` (the user's secret) and `token` (the agent's secret) are two independent 256-bit
 * random values: neither end can stand in for the other. `relayId` is a non-secret label for logs.
 */
import { z } from 'zod';
import type { Capability } from '../rights.js';

export const RELAY_USER_PATH = '/api/v1/relay';
export const RELAY_AGENT_PATH = '/agent/relay';
/** Both ends must have connected within this time after the session was created. */
export const RELAY_PAIR_TIMEOUT_MS = 15_000;
/** Largest WebSocket frame on a relay socket (either end). Senders chunk data to RELAY_CHUNK. */
export const RELAY_MAX_FRAME = 256 * 1024;
/** Data frames are at most this big. */
export const RELAY_CHUNK = 64 * 1024;

export const RELAY_PROTOCOLS = ['terminal', 'files', 'tcp'] as const;
export const RelayProtocol = z.enum(RELAY_PROTOCOLS);
export type RelayProtocol = z.infer<typeof RelayProtocol>;

/** The capability (rights.ts) each protocol needs on the device's group — checked by the server and again by the agent. */
export const RELAY_CAPABILITY: Record<RelayProtocol, Capability> = { terminal: 'terminal', files: 'files', tcp: 'relay' };

/** 32 random bytes, unpadded base64url. */
export const RelaySecret = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'expected 32 bytes as base64url');
/** A short, non-secret label of a session (hex), safe for logs and events. */
export const RelayId = z.string().regex(/^[0-9a-f]{16}$/, 'expected 16 hex characters');

/** Terminal type names: letters, digits and `._+-` only (it becomes the TERM variable). */
export const TermName = z.string().regex(/^[A-Za-z0-9._+-]{1,64}$/, 'expected a terminal type like xterm-256color');
/** A host name or an IP address (no brackets, no port). */
export const RelayHost = z
  .string()
  .min(1)
  .max(253)
  .regex(/^(?:[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?|[0-9A-Fa-f:.]+)$/, 'expected a host name or an IP address');
export const RelayPort = z.number().int().min(1).max(65535);
const Dimension = z.number().int().min(1).max(1000);

export const TerminalOptions = z.strictObject({ cols: Dimension, rows: Dimension, term: TermName });
export const TcpOptions = z.strictObject({ host: RelayHost, port: RelayPort });
export const RelayOptions = z.union([TerminalOptions, TcpOptions, z.strictObject({})]);
export type TerminalOptions = z.infer<typeof TerminalOptions>;
export type TcpOptions = z.infer<typeof TcpOptions>;
export type RelayOptions = z.infer<typeof RelayOptions>;

/** Body of `POST /api/v1/devices/:id/sessions`. cols/rows/term only for terminal; host/port only (and required) for tcp. */
export const CreateRelaySession = z
  .strictObject({
    protocol: RelayProtocol,
    cols: Dimension.optional(),
    rows: Dimension.optional(),
    term: TermName.optional(),
    host: RelayHost.optional(),
    port: RelayPort.optional(),
  })
  .superRefine((b, ctx) => {
    const terminalOnly = b.cols !== undefined || b.rows !== undefined || b.term !== undefined;
    const tcpOnly = b.host !== undefined || b.port !== undefined;
    if (b.protocol !== 'terminal' && terminalOnly) ctx.addIssue({ code: 'custom', path: ['cols'], message: 'cols, rows and term are for terminal sessions' });
    if (b.protocol !== 'tcp' && tcpOnly) ctx.addIssue({ code: 'custom', path: ['host'], message: 'host and port are for tcp sessions' });
    if (b.protocol === 'tcp' && (b.host === undefined || b.port === undefined)) ctx.addIssue({ code: 'custom', path: ['host'], message: 'tcp sessions need host and port' });
  });
export type CreateRelaySession = z.infer<typeof CreateRelaySession>;

export const RelaySessionInfo = z.object({
  /** The user's secret: connect once to `url` (which carries it), as the same user, before `expiresAt`. */
  sessionId: RelaySecret,
  relayId: RelayId,
  protocol: RelayProtocol,
  url: z.string(),
  expiresAt: z.string(),
});
export type RelaySessionInfo = z.infer<typeof RelaySessionInfo>;

/** Server → agent on the control connection: open a relay connection for this session. */
export const ServerRelayOpen = z.strictObject({
  type: z.literal('relayOpen'),
  relayId: RelayId,
  /** The agent's secret for RELAY_AGENT_PATH (never the user's sessionId). */
  token: RelaySecret,
  protocol: RelayProtocol,
  userId: z.string().min(1).max(64),
  userName: z.string().min(1).max(64),
  /** The user's effective group-rights mask on the device's group; the agent re-checks it with `can`. */
  rights: z.number().int().min(0).max(0xffffffff),
  options: RelayOptions,
});
export type ServerRelayOpen = z.infer<typeof ServerRelayOpen>;

/** The options a protocol requires, or null when `options` does not fit it. */
export function relayOptionsFor(protocol: RelayProtocol, options: RelayOptions): TerminalOptions | TcpOptions | Record<string, never> | null {
  if (protocol === 'terminal') {
    const r = TerminalOptions.safeParse(options);
    return r.success ? r.data : null;
  }
  if (protocol === 'tcp') {
    const r = TcpOptions.safeParse(options);
    return r.success ? r.data : null;
  }
  return Object.keys(options).length === 0 ? {} : null;
}
