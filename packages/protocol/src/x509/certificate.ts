/**
 * X.509 v3 certificates (RFC 5280) built as DER from a plain template. The signature comes from a
 * callback, so the key can live anywhere: node:crypto on the server, the TPM on the agent.
 * The signature algorithm is always ecdsa-with-SHA256 (keys are ECDSA P-256 everywhere).
 */
import * as der from './der.js';
import { ipToBytes } from './ip.js';

const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const ATTRIBUTES = { CN: '2.5.4.3', O: '2.5.4.10' } as const;
const EXT = {
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
} as const;
const KEY_USAGE_BITS = { digitalSignature: 0, nonRepudiation: 1, keyEncipherment: 2, dataEncipherment: 3, keyAgreement: 4, keyCertSign: 5, cRLSign: 6 } as const;
const EXT_KEY_USAGE = { serverAuth: '1.3.6.1.5.5.7.3.1', clientAuth: '1.3.6.1.5.5.7.3.2' } as const;

/** A distinguished name: attributes in order, e.g. [['CN', 'Meshwork Root CA'], ['O', 'Meshwork']]. */
export type Name = readonly (readonly [keyof typeof ATTRIBUTES, string])[];
export type KeyUsage = keyof typeof KEY_USAGE_BITS;
export type ExtendedKeyUsage = keyof typeof EXT_KEY_USAGE;
export interface SubjectAltName {
  type: 'dns' | 'ip';
  /** A DNS name (ASCII, `*.` allowed) or an IPv4/IPv6 address in text form. */
  value: string;
}

export interface CertificateTemplate {
  /** Big-endian magnitude of a positive serial number, at most 20 bytes (RFC 5280 §4.1.2.2). */
  serialNumber: Uint8Array;
  subject: Name;
  /**
   * The signer's name: a Name, or the signer certificate's encoded subject (certificateParts().subject),
   * which keeps the chain byte-exact whoever made that certificate. Default: the subject (self-signed).
   */
  issuer?: Name | Uint8Array;
  notBefore: Date;
  notAfter: Date;
  /** DER SubjectPublicKeyInfo of the certified key, copied unchanged. */
  subjectPublicKeyInfo: Uint8Array;
  /** Extensions, each left out when absent. basicConstraints and keyUsage are marked critical. */
  basicConstraints?: { ca: true; pathLength?: number } | { ca: false };
  keyUsage?: readonly KeyUsage[];
  extendedKeyUsage?: readonly ExtendedKeyUsage[];
  subjectAltNames?: readonly SubjectAltName[];
  subjectKeyIdentifier?: Uint8Array;
  /** The issuer's subjectKeyIdentifier. */
  authorityKeyIdentifier?: Uint8Array;
}

/** Signs the DER TBSCertificate with ECDSA over SHA-256; returns the DER signature SEQUENCE { r, s }. */
export type Signer = (tbs: Uint8Array) => Promise<Uint8Array>;

export function encodeName(name: Name): Uint8Array {
  return der.sequence(...name.map(([type, value]) => der.set(der.sequence(der.oid(ATTRIBUTES[type]), der.utf8String(value)))));
}

const extension = (id: string, critical: boolean, value: Uint8Array): Uint8Array =>
  der.sequence(der.oid(id), ...(critical ? [der.bool(true)] : []), der.octetString(value));

/** KeyUsage as a DER BIT STRING: named bits from the most significant, trailing zero bits dropped. */
function keyUsageBits(usages: readonly KeyUsage[]): Uint8Array {
  const set = usages.map((u) => KEY_USAGE_BITS[u]);
  const top = Math.max(...set);
  const bytes = new Uint8Array(Math.floor(top / 8) + 1);
  for (const bit of set) bytes[bit >> 3] = (bytes[bit >> 3] ?? 0) | (0x80 >> (bit & 7));
  return der.bitString(bytes, 7 - (top & 7));
}

function generalName(san: SubjectAltName): Uint8Array {
  if (san.type === 'dns') return der.implicit(2, der.ascii(san.value));
  const ip = ipToBytes(san.value);
  if (!ip) throw new RangeError(`not an IP address: ${JSON.stringify(san.value)}`);
  return der.implicit(7, ip);
}

function extensions(t: CertificateTemplate): Uint8Array[] {
  const out: Uint8Array[] = [];
  const bc = t.basicConstraints;
  if (bc) {
    const fields = bc.ca ? [der.bool(true), ...(bc.pathLength !== undefined ? [der.smallInteger(bc.pathLength)] : [])] : [];
    out.push(extension(EXT.basicConstraints, true, der.sequence(...fields)));
  }
  if (t.keyUsage?.length) out.push(extension(EXT.keyUsage, true, keyUsageBits(t.keyUsage)));
  if (t.extendedKeyUsage?.length) out.push(extension(EXT.extKeyUsage, false, der.sequence(...t.extendedKeyUsage.map((u) => der.oid(EXT_KEY_USAGE[u])))));
  if (t.subjectAltNames?.length) out.push(extension(EXT.subjectAltName, false, der.sequence(...t.subjectAltNames.map(generalName))));
  if (t.subjectKeyIdentifier) out.push(extension(EXT.subjectKeyIdentifier, false, der.octetString(t.subjectKeyIdentifier)));
  if (t.authorityKeyIdentifier) out.push(extension(EXT.authorityKeyIdentifier, false, der.sequence(der.implicit(0, t.authorityKeyIdentifier))));
  return out;
}

/** The TBSCertificate: everything the signature covers. */
export function encodeTbsCertificate(t: CertificateTemplate): Uint8Array {
  if (t.serialNumber.length === 0 || t.serialNumber.length > 20) throw new RangeError('serialNumber must be 1 to 20 bytes');
  const subject = encodeName(t.subject);
  const issuer = t.issuer === undefined ? subject : t.issuer instanceof Uint8Array ? t.issuer : encodeName(t.issuer);
  const exts = extensions(t);
  return der.sequence(
    der.explicit(0, der.smallInteger(2)), // v3
    der.unsignedInteger(t.serialNumber),
    der.sequence(der.oid(ECDSA_WITH_SHA256)),
    issuer,
    der.sequence(der.time(t.notBefore), der.time(t.notAfter)),
    subject,
    t.subjectPublicKeyInfo,
    ...(exts.length ? [der.explicit(3, der.sequence(...exts))] : []),
  );
}

/** The signed certificate, DER. */
export async function createCertificate(t: CertificateTemplate, sign: Signer): Promise<Uint8Array> {
  const tbs = encodeTbsCertificate(t);
  const signature = await sign(tbs);
  return der.sequence(tbs, der.sequence(der.oid(ECDSA_WITH_SHA256)), der.bitString(signature));
}
