/**
 * The server's half of the agent handshake proofs (messages and transcripts are defined once in
 * @meshwork/protocol; see docs/design.md §6A.4):
 *
 *   answerHello      version check, the TLS certificate the agent saw must be one this server serves,
 *                    a fresh 32-byte server nonce, serverTranscript signed with the agent-server key
 *   verifyAgentAuth  agentTranscript verified with the agent's P-256 key (imported per connection
 *                    from the SPKI's point as a JWK — OpenSSL checks the point is on the curve —
 *                    which costs half a DER import; nothing cached across connections); the
 *                    certificate (if sent) must be a well-formed DER certificate whose
 *                    SubjectPublicKeyInfo is byte for byte agentPublicKey (a DER walk, not an
 *                    OpenSSL parse: nothing else in it is used); device id = SHA-384(SPKI) hex
 *
 * Pure functions over one connection's state; the socket code sends and parses the frames.
 */
import { createHash, createPublicKey, randomBytes, sign, verify, X509Certificate, type KeyObject } from 'node:crypto';
import { certificateParts, children, readTlv } from '@meshwork/protocol/x509/index';
import {
  agentTranscript,
  authBytes,
  bytesEqual,
  bytesToBase64,
  bytesToBase64url,
  deviceIdFromSpkiHash,
  helloBytes,
  PROTOCOL_VERSION,
  serverTranscript,
  type AgentAuth,
  type AgentHello,
  type AgentRefusalCode,
  type ServerChallenge,
} from '@meshwork/protocol';

/** Bytes of the server's nonce (the protocol asks for ≥ 32). */
export const SERVER_NONCE_BYTES = 32;
/** Agent protocol versions this server speaks. */
export const SUPPORTED_AGENT_VERSIONS: readonly number[] = [PROTOCOL_VERSION];

/** What the server proves itself with, computed once at start. */
export interface HandshakeKeys {
  signingKey: KeyObject;
  /** The agent-server public key (P-256 SPKI DER); SHA-384 of it is the ServerID. */
  publicDer: Uint8Array;
  /** SHA-384 hex of every TLS leaf certificate an agent may legitimately see in front of us. */
  tlsCertHashes: ReadonlySet<string>;
}

/**
 * SHA-384 hex of the served leaf certificate (the first certificate of the PEM chain — what
 * Node's TLS presents), plus configured hashes of certificates served by TLS-offloading proxies.
 */
export function servedTlsCertHashes(tlsCertPem: string, extra: readonly string[] = []): Set<string> {
  const leaf = new X509Certificate(tlsCertPem).raw;
  return new Set([createHash('sha384').update(leaf).digest('hex'), ...extra.map((h) => h.toLowerCase())]);
}

export function handshakeKeys(identity: { agentSigningKey: KeyObject; agentSigningPublicDer: Uint8Array; tlsCertPem: string }, extraTlsCertHashes: readonly string[] = []): HandshakeKeys {
  return {
    signingKey: identity.agentSigningKey,
    publicDer: new Uint8Array(identity.agentSigningPublicDer),
    tlsCertHashes: servedTlsCertHashes(identity.tlsCertPem, extraTlsCertHashes),
  };
}

/** What one connection remembers between `challenge` and `auth`. Never shared between connections. */
export interface PendingAuth {
  readonly tlsCertHash: Uint8Array;
  readonly agentNonce: Uint8Array;
  readonly serverNonce: Uint8Array;
}

export interface ProofRefusal {
  ok: false;
  code: AgentRefusalCode;
  message: string;
}

export type HelloAnswer = { ok: true; challenge: ServerChallenge; pending: PendingAuth } | ProofRefusal;

/** hello → challenge (or a refusal). */
export function answerHello(keys: HandshakeKeys, hello: AgentHello): HelloAnswer {
  if (!SUPPORTED_AGENT_VERSIONS.includes(hello.protocolVersion)) {
    return { ok: false, code: 'unsupported_version', message: `This server speaks agent protocol version ${SUPPORTED_AGENT_VERSIONS.join(', ')}, not ${hello.protocolVersion}.` };
  }
  if (!keys.tlsCertHashes.has(hello.tlsCertHash)) {
    return { ok: false, code: 'tls_cert_mismatch', message: 'The TLS certificate the agent saw is not one this server serves (a TLS-offloading proxy needs agentTlsCertHashes).' };
  }
  const { agentNonce, tlsCertHash } = helloBytes(hello);
  const serverNonce = new Uint8Array(randomBytes(SERVER_NONCE_BYTES));
  const signature = sign('sha256', serverTranscript(tlsCertHash, agentNonce, serverNonce), { key: keys.signingKey, dsaEncoding: 'der' });
  return {
    ok: true,
    challenge: {
      type: 'challenge',
      serverNonce: bytesToBase64url(serverNonce),
      serverSignature: bytesToBase64(signature),
      serverPublicKey: bytesToBase64(keys.publicDer),
    },
    pending: { tlsCertHash, agentNonce, serverNonce },
  };
}

export type AuthCheck = { ok: true; deviceId: string } | ProofRefusal;

/** auth → the device id the agent proved it holds the key of (or a refusal). */
export function verifyAgentAuth(keys: HandshakeKeys, pending: PendingAuth, auth: AgentAuth): AuthCheck {
  const { agentPublicKey, agentSignature, agentCertificate } = authBytes(auth);
  const transcript = agentTranscript(pending.tlsCertHash, pending.serverNonce, pending.agentNonce, keys.publicDer);
  let key: KeyObject;
  try {
    key = p256KeyFromSpki(agentPublicKey);
  } catch {
    // The schema admits only P-256 SPKI shapes, but the point itself may be off the curve.
    return { ok: false, code: 'bad_message', message: 'agentPublicKey is not a valid P-256 public key.' };
  }
  let valid: boolean;
  try {
    valid = verify('sha256', transcript, { key, dsaEncoding: 'der' }, agentSignature);
  } catch {
    valid = false;
  }
  if (!valid) return { ok: false, code: 'bad_signature', message: 'The agent signature does not verify for this connection.' };
  if (agentCertificate !== undefined) {
    const certKey = certificateSpki(agentCertificate);
    if (certKey === null) return { ok: false, code: 'bad_message', message: 'agentCertificate is not an X.509 certificate.' };
    if (!bytesEqual(certKey, agentPublicKey)) {
      return { ok: false, code: 'bad_signature', message: 'agentCertificate is not for agentPublicKey.' };
    }
  }
  return { ok: true, deviceId: deviceIdFromSpkiHash(new Uint8Array(createHash('sha384').update(agentPublicKey).digest())) };
}

/** Bytes of the RFC 5480 P-256 SPKI header before the uncompressed point (04 ‖ X ‖ Y). */
const P256_SPKI_POINT_AT = 26;

/**
 * A P-256 public key from its SPKI (the 91-byte shape protocol's schema admits), imported from the
 * point's coordinates as a JWK: OpenSSL still checks the point lies on the curve, at about half
 * the cost of a DER import. Throws on anything else.
 */
export function p256KeyFromSpki(spki: Uint8Array): KeyObject {
  if (spki.length !== P256_SPKI_POINT_AT + 65 || spki[P256_SPKI_POINT_AT] !== 0x04) throw new RangeError('not a P-256 SPKI');
  const at = P256_SPKI_POINT_AT + 1;
  const x = Buffer.from(spki.subarray(at, at + 32)).toString('base64url');
  const y = Buffer.from(spki.subarray(at + 32, at + 64)).toString('base64url');
  return createPublicKey({ key: { kty: 'EC', crv: 'P-256', x, y }, format: 'jwk' });
}

/**
 * The SubjectPublicKeyInfo of a DER certificate (Certificate ::= SEQUENCE { tbsCertificate
 * SEQUENCE, signatureAlgorithm SEQUENCE, signatureValue BIT STRING }, nothing after it), or null
 * when it is not one. Its signature is not checked: the server trusts nothing in the certificate,
 * it only requires the key in it to be the key that signed the handshake.
 */
export function certificateSpki(der: Uint8Array): Uint8Array | null {
  try {
    const cert = readTlv(der);
    if (cert.tag !== 0x30 || cert.raw.length !== der.length) return null;
    const parts = children(cert.content);
    if (parts.length !== 3 || parts[0]?.tag !== 0x30 || parts[1]?.tag !== 0x30 || parts[2]?.tag !== 0x03) return null;
    return certificateParts(der).subjectPublicKeyInfo;
  } catch {
    return null;
  }
}
