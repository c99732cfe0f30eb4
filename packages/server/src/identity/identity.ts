/** The server's identity: root CA, HTTPS certificate, and the agent-server signing key (ServerID). */
import type { KeyObject } from 'node:crypto';

export interface ServerIdentity {
  /** SHA-384 of the agent-server key's SubjectPublicKeyInfo DER, 96 lowercase hex. */
  serverId: string;
  /** ECDSA P-256 private key that signs agent handshakes. Never leaves the server. */
  agentSigningKey: KeyObject;
  agentSigningPublicDer: Buffer;
  /** PEM of the HTTPS certificate chain and key actually served (generated or user-supplied). */
  tlsCertPem: string;
  tlsKeyPem: string;
  caCertPem: string;
  /** True when this start generated keys (first start). */
  generated: boolean;
}
