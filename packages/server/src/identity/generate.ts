/**
 * Certificate generation (ECDSA P-256 only). Imported lazily, only when something must be
 * generated: @peculiar/x509 and reflect-metadata cost ~200 ms to load, which a restart must not pay.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createPrivateKey, randomBytes, webcrypto, X509Certificate as NodeX509 } from 'node:crypto';
import type { SanEntry } from './names.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const KEY_ALG = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN_ALG = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY = 24 * 3600_000;
export const CA_VALIDITY_DAYS = 3650;
/** Below Apple's 825-day limit for TLS server certificates; re-issued automatically near expiry. */
export const HTTPS_VALIDITY_DAYS = 397;

export interface PemPair {
  certPem: string;
  keyPem: string;
}

interface KeyPair {
  privateKey: webcrypto.CryptoKey;
  publicKey: webcrypto.CryptoKey;
}

const serial = (): string => {
  const b = randomBytes(16);
  b[0] = (b[0] ?? 0) & 0x7f || 0x01; // positive, no leading zero byte
  return b.toString('hex');
};

async function newKeys(): Promise<KeyPair> {
  return (await webcrypto.subtle.generateKey(KEY_ALG, true, ['sign', 'verify'])) as KeyPair;
}

async function keyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }).toString();
}

const certPem = (c: x509.X509Certificate): string => new NodeX509(Buffer.from(c.rawData)).toString();

/** A self-signed root CA, valid 10 years, allowed to sign end-entity certificates only. */
export async function createCa(commonName: string, now: number): Promise<PemPair> {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: [{ CN: [commonName] }, { O: ['Meshwork'] }],
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + CA_VALIDITY_DAYS * DAY),
    signingAlgorithm: SIGN_ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: certPem(cert), keyPem: await keyPem(keys.privateKey) };
}

/** An HTTPS server certificate for `sans`, signed by the CA; certPem holds the leaf then the CA. */
export async function issueHttpsCert(ca: PemPair, sans: readonly SanEntry[], now: number): Promise<PemPair> {
  const caCert = new x509.X509Certificate(ca.certPem);
  const caDer = createPrivateKey(ca.keyPem).export({ type: 'pkcs8', format: 'der' });
  const caKey = await webcrypto.subtle.importKey('pkcs8', caDer, KEY_ALG, false, ['sign']);
  const keys = await newKeys();
  const first = sans.find((s) => s.type === 'dns')?.value ?? 'localhost';
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: [{ CN: [first] }],
    issuer: caCert.subject,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + HTTPS_VALIDITY_DAYS * DAY),
    signingAlgorithm: SIGN_ALG,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(sans.map((s) => ({ type: s.type, value: s.value }))),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  return { certPem: certPem(cert) + ca.certPem, keyPem: await keyPem(keys.privateKey) };
}
