/**
 * Runtime-neutral X.509: a DER encoder, a minimal DER reader, and an X.509 v3 certificate builder
 * whose signature comes from a callback (node:crypto on the server, the TPM on the agent).
 * Imported as `@meshwork/protocol/x509/index`, so loading it does not load the wire schemas.
 */
export * as der from './der.js';
export { certificateParts, children, dottedOid, readTlv, spkiPublicKeyBits, type CertificateParts, type Tlv } from './read.js';
export { ipToBytes } from './ip.js';
export {
  createCertificate, encodeName, encodeTbsCertificate,
  type CertificateTemplate, type ExtendedKeyUsage, type KeyUsage, type Name, type Signer, type SubjectAltName,
} from './certificate.js';
