/**
 * The agent's self-signed X.509 v3 certificate, built by @meshwork/protocol's DER builder so that
 * the signature can come from any KeyProvider — with the TPM, the TPM signs the TBSCertificate.
 *
 *   version v3, serial 16 random bytes, signature ecdsa-with-SHA256
 *   issuer = subject = CN=meshwork-agent, validity now−1h … 9999-12-31 (no expiry, RFC 5280 §4.1.2.5)
 *   extensions: basicConstraints cA=false (critical), keyUsage digitalSignature (critical)
 *
 * The server does not trust the certificate for anything: the device id comes from the public key.
 * It exists so the key travels in a standard, self-describing container.
 */
import { randomBytes } from 'node:crypto';
import { createCertificate } from '@meshwork/protocol/x509/index';

export const AGENT_CERT_COMMON_NAME = 'meshwork-agent';

export interface CertificateInput {
  spki: Uint8Array;
  sign: (tbs: Buffer) => Promise<Buffer>;
  now?: Date;
}

export async function createSelfSignedCertificate({ spki, sign, now = new Date() }: CertificateInput): Promise<Buffer> {
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x40; // positive, and exactly 16 bytes long
  const der = await createCertificate(
    {
      serialNumber: serial,
      subject: [['CN', AGENT_CERT_COMMON_NAME]],
      notBefore: new Date(Math.floor(now.getTime() / 1000) * 1000 - 3600_000),
      notAfter: new Date(Date.UTC(9999, 11, 31, 23, 59, 59)),
      subjectPublicKeyInfo: spki,
      basicConstraints: { ca: false },
      keyUsage: ['digitalSignature'],
    },
    (tbs) => sign(Buffer.from(tbs.buffer, tbs.byteOffset, tbs.byteLength)),
  );
  return Buffer.from(der.buffer, der.byteOffset, der.byteLength);
}
