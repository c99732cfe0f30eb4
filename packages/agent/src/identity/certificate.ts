/**
 * The agent's self-signed X.509 v3 certificate, built as DER here so that the signature can come
 * from any KeyProvider — with the TPM, the TPM signs the TBSCertificate.
 *
 *   version v3, serial 16 random bytes, signature ecdsa-with-SHA256
 *   issuer = subject = CN=meshwork-agent, validity now−1h … 9999-12-31 (no expiry, RFC 5280 §4.1.2.5)
 *   extensions: basicConstraints cA=false (critical), keyUsage digitalSignature (critical)
 *
 * The server does not trust the certificate for anything: the device id comes from the public key.
 * It exists so the key travels in a standard, self-describing container.
 */
import { randomBytes } from 'node:crypto';
import * as der from './der.js';

const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const COMMON_NAME = '2.5.4.3';
const BASIC_CONSTRAINTS = '2.5.29.19';
const KEY_USAGE = '2.5.29.15';
export const AGENT_CERT_COMMON_NAME = 'meshwork-agent';

export interface CertificateInput {
  spki: Uint8Array;
  sign: (tbs: Buffer) => Promise<Buffer>;
  now?: Date;
}

export async function createSelfSignedCertificate({ spki, sign, now = new Date() }: CertificateInput): Promise<Buffer> {
  const algorithm = der.sequence(der.oid(ECDSA_WITH_SHA256));
  const name = der.sequence(der.set(der.sequence(der.oid(COMMON_NAME), der.utf8String(AGENT_CERT_COMMON_NAME))));
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x40; // positive, and exactly 16 bytes long
  const notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000 - 3600_000);
  const extensions = der.explicit(
    3,
    der.sequence(
      der.sequence(der.oid(BASIC_CONSTRAINTS), der.bool(true), der.octetString(der.sequence())),
      der.sequence(der.oid(KEY_USAGE), der.bool(true), der.octetString(der.tlv(0x03, Buffer.from([0x07, 0x80])))),
    ),
  );
  const tbs = der.sequence(
    der.explicit(0, der.smallInteger(2)),
    der.unsignedInteger(serial),
    algorithm,
    name,
    der.sequence(der.time(notBefore), der.time(new Date(Date.UTC(9999, 11, 31, 23, 59, 59)))),
    name,
    Buffer.from(spki),
    extensions,
  );
  const signature = await sign(tbs);
  return der.sequence(tbs, algorithm, der.bitString(signature));
}
