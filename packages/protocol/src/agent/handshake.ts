/**
 * Handshake messages on the agent control WebSocket. Each is a JSON text frame with a `type`.
 *
 *   agent → server  hello      { protocolVersion, agentNonce, tlsCertHash }
 *   server → agent  challenge  { serverNonce, serverSignature, serverPublicKey }
 *   agent → server  auth       { agentPublicKey, agentSignature, agentCertificate?, info? }
 *   server → agent  welcome    { deviceId, groupId? }        or  refused { code, message, retryAfterMs? }
 *
 * Objects are strict (unknown fields are an error), every string has an upper bound, binary fields
 * are canonical base64 (DER blobs) or unpadded base64url (nonces). See transcript.ts for what is signed.
 */
import { z } from 'zod';
import { EnrolmentKey, Hex96 } from '../api/models.js';
import { base64ToBytes, base64urlToBytes, hexToBytes } from './bytes.js';
import { isP256Spki, P256_SPKI_LENGTH } from './keys.js';
import {
  CERTIFICATE_MAX_BYTES,
  NONCE_MAX_BYTES,
  NONCE_MIN_BYTES,
  SIGNATURE_MAX_BYTES,
  SIGNATURE_MIN_BYTES,
} from './limits.js';

const b64Chars = (bytes: number) => 4 * Math.ceil(bytes / 3);

/** Canonical padded base64 of `min`–`max` bytes. */
function base64Bytes(min: number, max: number) {
  return z
    .string()
    .max(b64Chars(max))
    .refine((s) => {
      const b = base64ToBytes(s);
      return b !== undefined && b.length >= min && b.length <= max;
    }, `expected canonical base64 of ${min}–${max} bytes`);
}

/** A device id or ServerID: SHA-384 of a P-256 SPKI DER, 96 lowercase hex characters. */
export const DeviceId = Hex96;
/** SHA-384 of the outer TLS certificate (leaf, DER) the agent saw, 96 lowercase hex characters. */
export const TlsCertHash = Hex96;
/** A fresh random nonce, 32–64 bytes, unpadded base64url. */
export const Nonce = z
  .string()
  .max(b64Chars(NONCE_MAX_BYTES))
  .refine((s) => {
    const b = base64urlToBytes(s);
    return b !== undefined && b.length >= NONCE_MIN_BYTES && b.length <= NONCE_MAX_BYTES;
  }, `expected unpadded base64url of ${NONCE_MIN_BYTES}–${NONCE_MAX_BYTES} bytes`);
/** A P-256 SubjectPublicKeyInfo DER (91 bytes), base64. */
export const P256PublicKey = base64Bytes(P256_SPKI_LENGTH, P256_SPKI_LENGTH).refine(
  (s) => isP256Spki(base64ToBytes(s) ?? new Uint8Array()),
  'expected a P-256 SubjectPublicKeyInfo',
);
/** A DER ECDSA signature, base64. */
export const EcdsaSignature = base64Bytes(SIGNATURE_MIN_BYTES, SIGNATURE_MAX_BYTES);

/** Printable text from the agent: no control characters. Agent strings are untrusted data. */
const AgentText = (max: number) => z.string().max(max).regex(/^[^\u0000-\u001f\u007f]*$/, 'control characters are not allowed');

/** What the agent says about itself when it authenticates. Fields are added, never renamed. */
export const AgentInfo = z.strictObject({
  agentVersion: AgentText(64).min(1),
  platform: AgentText(32),
  arch: AgentText(32),
  hostname: AgentText(255),
  /** The group from the install file. Informational only: since 2026-12-07 it enrols nothing. */
  groupId: Hex96.optional(),
  enrolmentToken: AgentText(256).optional(),
  capabilities: z.array(z.string().regex(/^[a-z][a-z0-9-]{0,31}$/)).max(32).optional(),
  /** The group's enrolment key from the install file (2026-12-07); the server reads it only for an unknown device. */
  enrolmentKey: EnrolmentKey.optional(),
});

export const AgentHello = z.strictObject({
  type: z.literal('hello'),
  protocolVersion: z.number().int().min(1).max(2 ** 31 - 1),
  agentNonce: Nonce,
  tlsCertHash: TlsCertHash,
});

export const ServerChallenge = z.strictObject({
  type: z.literal('challenge'),
  serverNonce: Nonce,
  /** Over serverTranscript(tlsCertHash, agentNonce, serverNonce), by the key behind the ServerID. */
  serverSignature: EcdsaSignature,
  serverPublicKey: P256PublicKey,
});

export const AgentAuth = z.strictObject({
  type: z.literal('auth'),
  agentPublicKey: P256PublicKey,
  /** Over agentTranscript(tlsCertHash, serverNonce, agentNonce, serverPublicKey). */
  agentSignature: EcdsaSignature,
  /** The agent's self-signed X.509 certificate (DER, base64) for the same key. Always sent by our agent. */
  agentCertificate: base64Bytes(1, CERTIFICATE_MAX_BYTES).optional(),
  info: AgentInfo.optional(),
});

export const ServerWelcome = z.strictObject({
  type: z.literal('welcome'),
  /** The device id the server derived from agentPublicKey. */
  deviceId: DeviceId,
  /** The group the server holds the device in (wins over the install file's). */
  groupId: Hex96.optional(),
});

/** Why the server refuses an agent. Codes are never renamed; add new ones at the end. */
export const AGENT_REFUSAL_CODES = {
  bad_message: 'The message does not match the agent handshake protocol.',
  unsupported_version: 'This agent protocol version is not supported by the server.',
  tls_cert_mismatch: 'The TLS certificate the agent saw is not one this server serves.',
  bad_signature: 'The agent signature does not verify.',
  not_enrolled: 'This device is not enrolled and presented no valid enrolment token.',
  bad_enrolment_token: 'The enrolment token is invalid, expired or used up.',
  duplicate_auth: 'This connection is already authenticated.',
  overloaded: 'The server is busy; come back later.',
  superseded: 'A newer connection for this device replaced this one.',
  internal: 'Internal error.',
  handshake_timeout: 'The handshake did not complete in time.',
  rate_limited: 'Too many messages on this connection.',
  revoked: 'This device was removed from the server; an administrator must allow it again.',
} as const satisfies Record<string, string>;
export type AgentRefusalCode = keyof typeof AGENT_REFUSAL_CODES;
const REFUSAL_CODE_NAMES = Object.keys(AGENT_REFUSAL_CODES) as [AgentRefusalCode, ...AgentRefusalCode[]];

export const ServerRefused = z.strictObject({
  type: z.literal('refused'),
  code: z.enum(REFUSAL_CODE_NAMES),
  message: z.string().max(512),
  /** When set, the agent waits at least this long before reconnecting (overload, holds). */
  retryAfterMs: z.number().int().min(0).max(24 * 3600 * 1000).optional(),
});

/** Frames the agent sends before `welcome`. */
export const AgentHandshakeFrame = z.discriminatedUnion('type', [AgentHello, AgentAuth]);
/** Frames the server sends before `welcome` (and `refused` at any time). */
export const ServerHandshakeFrame = z.discriminatedUnion('type', [ServerChallenge, ServerWelcome, ServerRefused]);

export type AgentInfo = z.infer<typeof AgentInfo>;
export type AgentHello = z.infer<typeof AgentHello>;
export type ServerChallenge = z.infer<typeof ServerChallenge>;
export type AgentAuth = z.infer<typeof AgentAuth>;
export type ServerWelcome = z.infer<typeof ServerWelcome>;
export type ServerRefused = z.infer<typeof ServerRefused>;
export type AgentHandshakeFrame = z.infer<typeof AgentHandshakeFrame>;
export type ServerHandshakeFrame = z.infer<typeof ServerHandshakeFrame>;

function must(b: Uint8Array | undefined): Uint8Array {
  if (!b) throw new TypeError('field was not validated by its schema');
  return b;
}
/** Binary fields of a parsed `hello`. */
export const helloBytes = (m: AgentHello) => ({
  agentNonce: must(base64urlToBytes(m.agentNonce)),
  tlsCertHash: must(hexToBytes(m.tlsCertHash)),
});
/** Binary fields of a parsed `challenge`. */
export const challengeBytes = (m: ServerChallenge) => ({
  serverNonce: must(base64urlToBytes(m.serverNonce)),
  serverSignature: must(base64ToBytes(m.serverSignature)),
  serverPublicKey: must(base64ToBytes(m.serverPublicKey)),
});
/** Binary fields of a parsed `auth`. */
export const authBytes = (m: AgentAuth) => ({
  agentPublicKey: must(base64ToBytes(m.agentPublicKey)),
  agentSignature: must(base64ToBytes(m.agentSignature)),
  agentCertificate: m.agentCertificate === undefined ? undefined : must(base64ToBytes(m.agentCertificate)),
});
