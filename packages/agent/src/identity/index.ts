/** The agent's identity: key providers (TPM 2.0, file), the state dir, certificate, handshake proofs. */
export type { KeyProvider, KeyProviderKind } from './key-provider.js';
export { IdentityKeyMismatchError } from './key-provider.js';
export { FileKeyProvider } from './file-provider.js';
export { TpmKeyProvider, type TpmKeyProviderOptions } from './tpm/tpm-provider.js';
export { parseTcti, formatTcti, type Tcti } from './tpm/tcti.js';
export { TpmError } from './tpm/errors.js';
export { detectTpm } from './detect.js';
export { deviceIdOf } from './device-id.js';
export {
  openIdentity,
  readIdentityStatus,
  resetIdentity,
  IdentityConfigError,
  type AgentIdentity,
  type IdentityStatus,
  type OpenIdentityOptions,
  type ResetResult,
} from './identity.js';
export { createHello, verifyChallenge, createAuth, HandshakeError, type HelloContext } from './proof.js';
