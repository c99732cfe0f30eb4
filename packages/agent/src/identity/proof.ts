/**
 * The agent's half of the handshake proofs (messages and transcripts are defined in @meshwork/protocol):
 *   createHello      fresh nonce + SHA-384 of the TLS certificate the agent actually saw
 *   verifyChallenge  the server key hashes to the pinned ServerID and signed serverTranscript
 *   createAuth       the identity key signs agentTranscript
 * The connection code sends and parses the frames; these functions hold the security checks.
 */
import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import {
  agentTranscript,
  bytesToBase64,
  bytesToBase64url,
  bytesToHex,
  challengeBytes,
  NONCE_DEFAULT_BYTES,
  serverTranscript,
  type AgentAuth,
  type AgentHello,
  type AgentInfo,
  type ServerChallenge,
} from '@meshwork/protocol/agent/index';
import { PROTOCOL_VERSION } from '@meshwork/protocol/version';
import { deviceIdOf } from './device-id.js';
import type { KeyProvider } from './key-provider.js';

/** What the agent remembers between `hello` and `challenge`. Never reused across connections. */
export interface HelloContext {
  readonly agentNonce: Uint8Array;
  readonly tlsCertHash: Uint8Array;
}

export type HandshakeFailure = 'server_id_mismatch' | 'bad_server_signature';

export class HandshakeError extends Error {
  override name = 'HandshakeError';
  constructor(
    readonly code: HandshakeFailure,
    message: string,
  ) {
    super(message);
  }
}

/** `tlsCertDer`: the leaf certificate the TLS socket presented (`getPeerX509Certificate().raw`). */
export function createHello(tlsCertDer: Uint8Array, protocolVersion = PROTOCOL_VERSION): { hello: AgentHello; ctx: HelloContext } {
  const agentNonce = new Uint8Array(randomBytes(NONCE_DEFAULT_BYTES));
  const tlsCertHash = new Uint8Array(createHash('sha384').update(tlsCertDer).digest());
  return {
    hello: { type: 'hello', protocolVersion, agentNonce: bytesToBase64url(agentNonce), tlsCertHash: bytesToHex(tlsCertHash) },
    ctx: { agentNonce, tlsCertHash },
  };
}

/**
 * Checks a parsed `challenge` against the pinned ServerID and this connection's hello.
 * Returns the server's public key (SPKI DER) for the agent transcript; throws HandshakeError.
 */
export function verifyChallenge(challenge: ServerChallenge, ctx: HelloContext, pinnedServerId: string): Uint8Array {
  const { serverNonce, serverSignature, serverPublicKey } = challengeBytes(challenge);
  if (deviceIdOf(serverPublicKey) !== pinnedServerId) {
    throw new HandshakeError('server_id_mismatch', 'the server key does not match the pinned ServerID');
  }
  const key = createPublicKey({ key: Buffer.from(serverPublicKey), format: 'der', type: 'spki' });
  const ok = verify('sha256', serverTranscript(ctx.tlsCertHash, ctx.agentNonce, serverNonce), { key, dsaEncoding: 'der' }, serverSignature);
  if (!ok) throw new HandshakeError('bad_server_signature', 'the server signature does not verify for this connection');
  return serverPublicKey;
}

export interface AuthIdentity {
  readonly provider: KeyProvider;
  readonly publicKeySpkiDer: Buffer;
  readonly certificateDer: Buffer;
}

/** Signs the agent transcript with the identity key. Call only after verifyChallenge succeeded. */
export async function createAuth(
  identity: AuthIdentity,
  ctx: HelloContext,
  challenge: ServerChallenge,
  serverPublicKey: Uint8Array,
  info?: AgentInfo,
): Promise<AgentAuth> {
  const { serverNonce } = challengeBytes(challenge);
  const transcript = agentTranscript(ctx.tlsCertHash, serverNonce, ctx.agentNonce, serverPublicKey);
  const signature = await identity.provider.sign(Buffer.from(transcript));
  return {
    type: 'auth',
    agentPublicKey: bytesToBase64(identity.publicKeySpkiDer),
    agentSignature: bytesToBase64(signature),
    agentCertificate: bytesToBase64(identity.certificateDer),
    ...(info ? { info } : {}),
  };
}
