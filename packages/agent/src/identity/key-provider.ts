/** Where the agent's identity key lives. Every provider signs with ECDSA P-256 over SHA-256. */

export type KeyProviderKind = 'tpm' | 'file';

export interface KeyProvider {
  readonly kind: KeyProviderKind;
  /** The public key as a P-256 SubjectPublicKeyInfo DER; the device id is SHA-384 of these bytes. */
  publicKeySpkiDer(): Promise<Buffer>;
  /** ECDSA-SHA256 signature over `data` (the provider hashes), DER-encoded (SEQUENCE { r, s }). */
  sign(data: Buffer): Promise<Buffer>;
  close(): Promise<void>;
}

/** Thrown when a provider's key is not the key the state dir recorded (e.g. the TPM was cleared). */
export class IdentityKeyMismatchError extends Error {
  override name = 'IdentityKeyMismatchError';
}
