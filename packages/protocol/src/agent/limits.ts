/** Size limits of the agent handshake, shared by the schemas and the transcript builders. */

/** Nonces: at least 32 random bytes (fresh per connection), at most 64. */
export const NONCE_MIN_BYTES = 32;
export const NONCE_MAX_BYTES = 64;
/** What an agent sends by default (MeshCentral uses 48). */
export const NONCE_DEFAULT_BYTES = 48;
/** A DER ECDSA P-256 signature is 8–72 bytes (SEQUENCE of two INTEGERs of ≤ 33 bytes). */
export const SIGNATURE_MIN_BYTES = 8;
export const SIGNATURE_MAX_BYTES = 72;
/** The agent's self-signed certificate (DER). Ours are ~ 400 bytes. */
export const CERTIFICATE_MAX_BYTES = 4096;
/** Largest handshake frame either side accepts (text bytes), checked before JSON parsing. */
export const AGENT_HANDSHAKE_MAX_FRAME = 16 * 1024;
