/**
 * Agent self-update on the control connection (2026-12-08; still protocol version 1: negotiated by
 * the capability `self-update`, which only an agent installed as a service announces — one whose
 * service manager restarts it and whose start guard can roll back).
 *
 *   server → agent  update        { offer, signature }     install offer.version; the signature is
 *                                                           by the key behind the ServerID over
 *                                                           updateOfferTranscript(offer)
 *   agent  → server updateStatus  { version, state, error? } progress of an offer, and on the first
 *                                                           connection after a restart the outcome
 *                                                           (`updated` or `rolled-back`)
 *
 * The agent checks, before anything runs: the signature (with the server key it authenticated in
 * this connection's handshake, whose SHA-384 is the pinned ServerID), that the offer names this
 * device and this platform, that it has not expired, and after the download the size and SHA-256.
 * The download (`offer.url`, a path on the server the agent is connected to) needs no TLS pin: the
 * bytes are pinned by the signed hash.
 */
import { z } from 'zod';
import { DeviceId, EcdsaSignature } from '../agent/handshake.js';
import { canonicalJson } from './canonical.js';

/** The platforms agent packages are built for: `${process.platform}-${arch}` with arm → armv7l. */
export const AGENT_PLATFORMS = ['linux-x64', 'linux-arm64', 'linux-armv7l'] as const;
export const AgentPlatform = z.enum(AGENT_PLATFORMS);
export type AgentPlatform = z.infer<typeof AgentPlatform>;

/** The package platform of a process (`process.platform`, `process.arch`), or null when none is built for it. */
export function agentPlatformOf(platform: string, arch: string): AgentPlatform | null {
  if (platform !== 'linux') return null;
  if (arch === 'x64') return 'linux-x64';
  if (arch === 'arm64') return 'linux-arm64';
  if (arch === 'arm') return 'linux-armv7l';
  return null;
}

/** The capability an agent announces when it can apply an update offer (installed as a service). */
export const SELF_UPDATE_CAPABILITY = 'self-update';

/** An agent version string: semver-like, printable, no path characters. */
export const AgentVersion = z.string().min(1).max(64).regex(/^[0-9A-Za-z][0-9A-Za-z.+_-]*$/, 'expected a version such as 0.2.0');
export const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'expected SHA-256 hex');

export const UpdateOffer = z.strictObject({
  deviceId: DeviceId,
  platform: AgentPlatform,
  version: AgentVersion,
  sha256: Sha256Hex,
  /** Bytes of the executable. */
  size: z.number().int().min(1).max(512 * 1024 * 1024),
  /** Absolute path on the server (a short-lived download link), e.g. /api/v1/agent/packages/linux-x64?link=… */
  url: z.string().max(1024).regex(/^\/api\/v1\/agent\/[\x21-\x7e]*$/, 'expected a path under /api/v1/agent/'),
  /** Unix milliseconds. */
  issuedAt: z.number().int().min(0),
  expiresAt: z.number().int().min(0),
});
export type UpdateOffer = z.infer<typeof UpdateOffer>;

export const ServerUpdate = z.strictObject({ type: z.literal('update'), offer: UpdateOffer, signature: EcdsaSignature });
export type ServerUpdate = z.infer<typeof ServerUpdate>;

export const UPDATE_STATES = ['downloading', 'verifying', 'installing', 'restarting', 'updated', 'failed', 'rolled-back'] as const;
export const UpdateState = z.enum(UPDATE_STATES);
export type UpdateState = z.infer<typeof UpdateState>;

export const AgentUpdateStatus = z.strictObject({
  type: z.literal('updateStatus'),
  /** The version the status is about (the offered one). */
  version: AgentVersion,
  state: UpdateState,
  /** Why, for failed and rolled-back: printable text. */
  error: z.string().max(512).regex(/^[^\u0000-\u001f\u007f]*$/).optional(),
});
export type AgentUpdateStatus = z.infer<typeof AgentUpdateStatus>;

/** The exact bytes the server signs and the agent verifies: a label, a NUL, the canonical JSON. */
export function updateOfferTranscript(offer: UpdateOffer): Uint8Array {
  return new TextEncoder().encode(`meshwork-agent-update-v1\0${canonicalJson(offer)}`);
}
