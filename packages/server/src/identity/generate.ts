/**
 * Certificate generation (ECDSA P-256 only), with the protocol's runtime-neutral X.509 builder and
 * node:crypto as the signer. Imported lazily, only when something must be generated.
 */
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { certificateParts, createCertificate, readTlv, spkiPublicKeyBits, type Signer } from '@meshwork/protocol/x509/index';
import type { SanEntry } from './names.js';

const DAY = 24 * 3600_000;
export const CA_VALIDITY_DAYS = 3650;
/** Below Apple's 825-day limit for TLS server certificates; re-issued automatically near expiry. */
export const HTTPS_VALIDITY_DAYS = 397;
const SUBJECT_KEY_IDENTIFIER = '2.5.29.14';

export interface PemPair {
  certPem: string;
  keyPem: string;
}

interface NewKey {
  privateKey: KeyObject;
  spki: Buffer;
  /** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
  keyId: Buffer;
}

function newKey(): NewKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return { privateKey, spki, keyId: createHash('sha1').update(spkiPublicKeyBits(spki)).digest() };
}

/** 16 random bytes, positive, no leading zero byte. */
function serial(): Buffer {
  const b = randomBytes(16);
  b[0] = (b[0] ?? 0) & 0x7f || 0x01;
  return b;
}

const signer = (key: KeyObject): Signer => async (tbs) => sign('sha256', tbs, { key, dsaEncoding: 'der' });

function certPem(der: Uint8Array): string {
  const lines = Buffer.from(der).toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

const keyPem = (key: KeyObject): string => key.export({ type: 'pkcs8', format: 'pem' }).toString();

/** A self-signed root CA, valid 10 years, allowed to sign end-entity certificates only. */
export async function createCa(commonName: string, now: number): Promise<PemPair> {
  const key = newKey();
  const der = await createCertificate(
    {
      serialNumber: serial(),
      subject: [['CN', commonName], ['O', 'Meshwork']],
      notBefore: new Date(now - DAY),
      notAfter: new Date(now + CA_VALIDITY_DAYS * DAY),
      subjectPublicKeyInfo: key.spki,
      basicConstraints: { ca: true, pathLength: 0 },
      keyUsage: ['keyCertSign', 'cRLSign'],
      subjectKeyIdentifier: key.keyId,
    },
    signer(key.privateKey),
  );
  return { certPem: certPem(der), keyPem: keyPem(key.privateKey) };
}

/** An HTTPS server certificate for `sans`, signed by the CA; certPem holds the leaf then the CA. */
export async function issueHttpsCert(ca: PemPair, sans: readonly SanEntry[], now: number): Promise<PemPair> {
  // The issuer name and key identifier are copied from the CA certificate as it is on disk.
  const caParts = certificateParts(new X509Certificate(ca.certPem).raw);
  const caSki = caParts.extensions.get(SUBJECT_KEY_IDENTIFIER);
  const key = newKey();
  const der = await createCertificate(
    {
      serialNumber: serial(),
      subject: [['CN', sans.find((s) => s.type === 'dns')?.value ?? 'localhost']],
      issuer: caParts.subject,
      notBefore: new Date(now - DAY),
      notAfter: new Date(now + HTTPS_VALIDITY_DAYS * DAY),
      subjectPublicKeyInfo: key.spki,
      basicConstraints: { ca: false },
      keyUsage: ['digitalSignature'],
      extendedKeyUsage: ['serverAuth'],
      subjectAltNames: sans,
      subjectKeyIdentifier: key.keyId,
      authorityKeyIdentifier: caSki ? readTlv(caSki).content : createHash('sha1').update(spkiPublicKeyBits(caParts.subjectPublicKeyInfo)).digest(),
    },
    signer(createPrivateKey(ca.keyPem)),
  );
  return { certPem: certPem(der) + ca.certPem, keyPem: keyPem(key.privateKey) };
}
