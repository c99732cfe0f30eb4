/**
 * The server's identity: root CA, HTTPS certificate, and the agent-server signing key (ServerID).
 *
 * Layout (all PEM; keys PKCS#8, mode 0600; directories 0700):
 *   DATA/agent-server.key   ECDSA P-256 agent-server signing key. ServerID = SHA-384(SPKI DER).
 *   DATA/tls/ca.crt         root CA certificate (10 years) — what clients trust
 *   DATA/tls/ca.key         root CA key
 *   DATA/tls/https.crt      generated HTTPS certificate + CA (397 days, re-issued when < 30 days left)
 *   DATA/tls/https.key      its key
 *
 * Every file is written to a temporary name and renamed. Nothing is trusted blindly on load: a
 * missing or inconsistent part (crash mid-generation, a CA key that does not match its certificate,
 * an HTTPS certificate not signed by the CA or for other names) is regenerated from what remains,
 * and the agent-server key is created only if absent (never overwritten), so once it exists the
 * ServerID never changes. A normal restart only reads and checks files: no key generation, and
 * the certificate library is not even loaded.
 */
import { chmodSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  createHash, createPrivateKey, createPublicKey, generateKeyPairSync, X509Certificate, type KeyObject,
} from 'node:crypto';
import { createFileAtomicNoClobber, readOptional, writeFileAtomic } from './files.js';
import { coversExactly, wantedSans } from './names.js';

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
  /** Where the served HTTPS certificate came from. */
  tlsSource: 'generated' | 'user';
}

export interface IdentityOptions {
  dataDir: string;
  /** Extra certificate names (DNS names or IPs) besides localhost, 127.0.0.1 and ::1. */
  names: readonly string[];
  tlsCert: string | null;
  tlsKey: string | null;
  now?: number;
}

export class IdentityError extends Error {}

export function identityPaths(dataDir: string): { agentKey: string; tlsDir: string; caCert: string; caKey: string; httpsCert: string; httpsKey: string } {
  const tlsDir = join(dataDir, 'tls');
  return {
    agentKey: join(dataDir, 'agent-server.key'),
    tlsDir,
    caCert: join(tlsDir, 'ca.crt'),
    caKey: join(tlsDir, 'ca.key'),
    httpsCert: join(tlsDir, 'https.crt'),
    httpsKey: join(tlsDir, 'https.key'),
  };
}

const DAY = 24 * 3600_000;
const KEY_MODE = 0o600;

/** SHA-384 of a public key's SubjectPublicKeyInfo DER, as 96 lowercase hex characters. */
export function serverIdOf(publicDer: Buffer): string {
  return createHash('sha384').update(publicDer).digest('hex');
}

/** Loads the identity of a data dir, generating whatever is missing or inconsistent. */
export async function loadIdentity(opts: IdentityOptions): Promise<ServerIdentity> {
  const now = opts.now ?? Date.now();
  const p = identityPaths(opts.dataDir);
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  mkdirSync(p.tlsDir, { recursive: true, mode: 0o700 });
  let generated = false;

  // 1. The agent-server key: the root of the ServerID. Created once, never replaced.
  let agentPem = readOptional(p.agentKey);
  if (agentPem === null) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    generated = createFileAtomicNoClobber(p.agentKey, pem, KEY_MODE);
    agentPem = readFileSync(p.agentKey, 'utf8');
  }
  const agentSigningKey = parseP256Key(agentPem, p.agentKey);
  const agentSigningPublicDer = createPublicKey(agentSigningKey).export({ type: 'spki', format: 'der' });
  const serverId = serverIdOf(agentSigningPublicDer);

  // 2. The root CA.
  let ca = loadPair(p.caCert, p.caKey);
  if (!ca || !ca.cert.ca || expiresWithin(ca.cert, now, 0)) {
    const gen = await import('./generate.js');
    const made = await gen.createCa(`Meshwork Root CA ${serverId.slice(0, 12)}`, now);
    writeFileAtomic(p.caKey, made.keyPem, KEY_MODE);
    writeFileAtomic(p.caCert, made.certPem, 0o644);
    ca = loadPair(p.caCert, p.caKey);
    if (!ca) throw new IdentityError('the generated CA does not load back');
    generated = true;
  }

  // 3. The HTTPS certificate: user-supplied, or generated and signed by the CA.
  let tlsCertPem: string;
  let tlsKeyPem: string;
  let tlsSource: ServerIdentity['tlsSource'];
  if (opts.tlsCert !== null && opts.tlsKey !== null) {
    const user = loadUserCert(opts.tlsCert, opts.tlsKey);
    tlsCertPem = user.certPem;
    tlsKeyPem = user.keyPem;
    tlsSource = 'user';
  } else {
    const sans = wantedSans(opts.names);
    let https = loadPair(p.httpsCert, p.httpsKey);
    const valid = https !== null && https.cert.verify(ca.cert.publicKey) && coversExactly(https.cert, sans) && !expiresWithin(https.cert, now, 30);
    if (!valid) {
      const gen = await import('./generate.js');
      const made = await gen.issueHttpsCert({ certPem: ca.certPem, keyPem: ca.keyPem }, sans, now);
      writeFileAtomic(p.httpsKey, made.keyPem, KEY_MODE);
      writeFileAtomic(p.httpsCert, made.certPem, 0o644);
      https = loadPair(p.httpsCert, p.httpsKey);
      if (!https) throw new IdentityError('the generated HTTPS certificate does not load back');
      generated = true;
    }
    if (!https) throw new IdentityError('no HTTPS certificate');
    tlsCertPem = https.certPem;
    tlsKeyPem = https.keyPem;
    tlsSource = 'generated';
  }
  for (const f of [p.agentKey, p.caKey, p.httpsKey]) tightenMode(f);
  return { serverId, agentSigningKey, agentSigningPublicDer, tlsCertPem, tlsKeyPem, caCertPem: ca.certPem, generated, tlsSource };
}

interface LoadedPair {
  certPem: string;
  keyPem: string;
  cert: X509Certificate;
  key: KeyObject;
}

/** A certificate and its key, or null when either is missing, unparseable or they do not match. */
function loadPair(certPath: string, keyPath: string): LoadedPair | null {
  const certPem = readOptional(certPath);
  const keyPem = readOptional(keyPath);
  if (certPem === null || keyPem === null) return null;
  try {
    const cert = new X509Certificate(certPem);
    const key = createPrivateKey(keyPem);
    if (!cert.checkPrivateKey(key)) return null;
    return { certPem, keyPem, cert, key };
  } catch {
    return null;
  }
}

function loadUserCert(certPath: string, keyPath: string): { certPem: string; keyPem: string } {
  let certPem: string;
  let keyPem: string;
  try {
    certPem = readFileSync(certPath, 'utf8');
    keyPem = readFileSync(keyPath, 'utf8');
  } catch (e) {
    throw new IdentityError(`cannot read --tls-cert/--tls-key: ${(e as Error).message}`);
  }
  let cert: X509Certificate;
  let key: KeyObject;
  try {
    cert = new X509Certificate(certPem);
    key = createPrivateKey(keyPem);
  } catch (e) {
    throw new IdentityError(`--tls-cert/--tls-key are not a PEM certificate and key: ${(e as Error).message}`);
  }
  if (!cert.checkPrivateKey(key)) throw new IdentityError('--tls-key does not match --tls-cert');
  return { certPem, keyPem };
}

function parseP256Key(pem: string, path: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (e) {
    throw new IdentityError(`${path} is not a private key: ${(e as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new IdentityError(`${path} is not an ECDSA P-256 key`);
  }
  return key;
}

function expiresWithin(cert: X509Certificate, now: number, days: number): boolean {
  return Date.parse(cert.validTo) - now < days * DAY || Date.parse(cert.validFrom) > now + DAY;
}

/** Private keys must be 0600; a key found with looser permissions is tightened. */
function tightenMode(path: string): void {
  try {
    if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, KEY_MODE);
  } catch {
    // A user-supplied layout without this file: nothing to tighten.
  }
}
