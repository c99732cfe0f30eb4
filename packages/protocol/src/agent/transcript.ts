/**
 * The byte strings each side signs during the agent handshake (ECDSA P-256 over SHA-256 of these
 * bytes). Layout, for both directions:
 *
 *   u32be(len(label)) ‖ label ‖ u32be(len(field1)) ‖ field1 ‖ … ‖ u32be(len(fieldN)) ‖ fieldN
 *
 * The labels differ per direction, so a server signature can never be accepted as an agent
 * signature or the reverse; every field is length-prefixed, so no two different field lists
 * produce the same bytes. The `-v1` in the labels is the transcript format version: a change of
 * layout gets a new label, never a reinterpretation of an old one.
 */
import { DEVICE_ID_HASH_BYTES, isP256Spki } from './keys.js';
import { NONCE_MAX_BYTES, NONCE_MIN_BYTES } from './limits.js';

/** Signed by the server (its agent-server key, the key behind the ServerID). */
export const SERVER_PROOF_LABEL = 'meshwork-agent-v1 server-proof';
/** Signed by the agent (its identity key, the key behind the device id). */
export const AGENT_PROOF_LABEL = 'meshwork-agent-v1 agent-proof';

const utf8 = new TextEncoder();

function framed(label: string, fields: readonly Uint8Array[]): Uint8Array {
  const parts = [utf8.encode(label), ...fields];
  const out = new Uint8Array(parts.reduce((n, p) => n + 4 + p.length, 0));
  const view = new DataView(out.buffer);
  let o = 0;
  for (const p of parts) {
    view.setUint32(o, p.length);
    out.set(p, o + 4);
    o += 4 + p.length;
  }
  return out;
}

function checkHash(tlsCertHash: Uint8Array): void {
  if (tlsCertHash.length !== DEVICE_ID_HASH_BYTES) throw new RangeError('tlsCertHash must be 48 bytes (SHA-384)');
}
function checkNonce(name: string, nonce: Uint8Array): void {
  if (nonce.length < NONCE_MIN_BYTES || nonce.length > NONCE_MAX_BYTES) {
    throw new RangeError(`${name} must be ${NONCE_MIN_BYTES}–${NONCE_MAX_BYTES} bytes`);
  }
}

/**
 * What the server signs in `challenge`:
 * label 'meshwork-agent-v1 server-proof', SHA-384 of the TLS certificate the agent saw (48 bytes),
 * the agent's nonce, the server's nonce.
 */
export function serverTranscript(tlsCertHash: Uint8Array, agentNonce: Uint8Array, serverNonce: Uint8Array): Uint8Array {
  checkHash(tlsCertHash);
  checkNonce('agentNonce', agentNonce);
  checkNonce('serverNonce', serverNonce);
  return framed(SERVER_PROOF_LABEL, [tlsCertHash, agentNonce, serverNonce]);
}

/**
 * What the agent signs in `auth`:
 * label 'meshwork-agent-v1 agent-proof', SHA-384 of the TLS certificate the agent saw, the server's
 * nonce, the agent's nonce, and the server's public key (SPKI DER) the agent accepted — so the
 * signature also says which ServerID the agent believed it was talking to.
 */
export function agentTranscript(
  tlsCertHash: Uint8Array,
  serverNonce: Uint8Array,
  agentNonce: Uint8Array,
  serverPublicKey: Uint8Array,
): Uint8Array {
  checkHash(tlsCertHash);
  checkNonce('serverNonce', serverNonce);
  checkNonce('agentNonce', agentNonce);
  if (!isP256Spki(serverPublicKey)) throw new RangeError('serverPublicKey must be a P-256 SPKI DER');
  return framed(AGENT_PROOF_LABEL, [tlsCertHash, serverNonce, agentNonce, serverPublicKey]);
}
