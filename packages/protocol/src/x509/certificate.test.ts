import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { createCertificate, encodeName, type CertificateTemplate, type Signer } from './certificate.js';
import { certificateParts, readTlv, spkiPublicKeyBits } from './read.js';

const DAY = 24 * 3600_000;
const now = Date.UTC(2026, 10, 26, 12, 0, 0);
const signer = (key: KeyObject): Signer => async (tbs) => sign('sha256', tbs, { key, dsaEncoding: 'der' });
const newKey = () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return { privateKey, publicKey, spki, keyId: createHash('sha1').update(spkiPublicKeyBits(spki)).digest() };
};
const pem = (der: Uint8Array): string => new X509Certificate(der).toString();

/** A CA and a server certificate it signed, the way the server makes its identity. */
async function chain(notBefore = new Date(now - DAY)) {
  const caKey = newKey();
  const caName = [['CN', 'Test Root CA'], ['O', 'Meshwork']] as const;
  const caDer = await createCertificate(
    {
      serialNumber: Uint8Array.of(0x01, 0x02, 0x03),
      subject: caName,
      notBefore,
      notAfter: new Date(now + 3650 * DAY),
      subjectPublicKeyInfo: caKey.spki,
      basicConstraints: { ca: true, pathLength: 0 },
      keyUsage: ['keyCertSign', 'cRLSign'],
      subjectKeyIdentifier: caKey.keyId,
    },
    signer(caKey.privateKey),
  );
  const leafKey = newKey();
  const parts = certificateParts(caDer);
  const leafTemplate: CertificateTemplate = {
    serialNumber: Uint8Array.of(0x80, 0, 0, 1), // high bit set: must be encoded positive
    subject: [['CN', 'localhost']],
    issuer: parts.subject,
    notBefore,
    notAfter: new Date(now + 397 * DAY),
    subjectPublicKeyInfo: leafKey.spki,
    basicConstraints: { ca: false },
    keyUsage: ['digitalSignature'],
    extendedKeyUsage: ['serverAuth'],
    subjectAltNames: [
      { type: 'dns', value: 'localhost' },
      { type: 'dns', value: '*.mesh.example' },
      { type: 'ip', value: '127.0.0.1' },
      { type: 'ip', value: '::1' },
      { type: 'ip', value: 'fd00::7' },
    ],
    subjectKeyIdentifier: leafKey.keyId,
    authorityKeyIdentifier: readTlv(parts.extensions.get('2.5.29.14') ?? new Uint8Array()).content,
  };
  const leafDer = await createCertificate(leafTemplate, signer(caKey.privateKey));
  return { caKey, caDer, leafKey, leafDer, caName };
}

test('node:crypto parses the CA and the server certificate, and the signatures verify', async () => {
  const { caKey, caDer, leafKey, leafDer } = await chain();
  const ca = new X509Certificate(caDer);
  const leaf = new X509Certificate(leafDer);
  assert.equal(ca.subject, 'CN=Test Root CA\nO=Meshwork');
  assert.equal(ca.issuer, ca.subject);
  assert.equal(ca.ca, true);
  assert.equal(ca.verify(caKey.publicKey), true);
  assert.equal(ca.serialNumber, '010203');
  assert.equal(leaf.ca, false);
  assert.equal(leaf.issuer, ca.subject);
  assert.equal(leaf.verify(caKey.publicKey), true);
  assert.equal(leaf.verify(leafKey.publicKey), false);
  assert.equal(leaf.checkIssued(ca), true);
  assert.equal(leaf.serialNumber, '80000001');
  assert.deepEqual(leaf.publicKey.export({ type: 'spki', format: 'der' }), leafKey.spki);
  assert.equal(leaf.subjectAltName, 'DNS:localhost, DNS:*.mesh.example, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:FD00:0:0:0:0:0:0:7');
  assert.equal(leaf.checkHost('a.mesh.example'), '*.mesh.example');
  assert.equal(leaf.checkHost('other.example'), undefined);
  assert.equal(leaf.checkIP('fd00::7'), 'fd00::7');
  assert.deepEqual(leaf.keyUsage, ['1.3.6.1.5.5.7.3.1']);
  assert.equal(new Date(leaf.validFrom).toISOString(), new Date(now - DAY).toISOString());
  assert.equal(new Date(leaf.validTo).toISOString(), new Date(now + 397 * DAY).toISOString());
});

test('extensions are what the template asked for (as OpenSSL reads them)', async (t) => {
  const { caDer, leafDer, caKey, leafKey } = await chain();
  const dir = mkdtempSync(join(tmpdir(), 'x509-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const text = (der: Uint8Array): string => {
    writeFileSync(join(dir, 'c.pem'), pem(der));
    return execFileSync('openssl', ['x509', '-noout', '-text', '-in', join(dir, 'c.pem')], { encoding: 'utf8' });
  };
  const colon = (b: Buffer): string => b.toString('hex').toUpperCase().match(/../g)?.join(':') ?? '';
  const ca = text(caDer);
  assert.match(ca, /Signature Algorithm: ecdsa-with-SHA256/);
  assert.match(ca, /X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
  assert.match(ca, /X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign/);
  assert.match(ca, new RegExp(`X509v3 Subject Key Identifier:\\s+${colon(caKey.keyId)}`));
  const leaf = text(leafDer);
  assert.match(leaf, /Version: 3 \(0x2\)/);
  assert.match(leaf, /X509v3 Basic Constraints: critical\s+CA:FALSE/);
  assert.match(leaf, /X509v3 Key Usage: critical\s+Digital Signature\n/);
  assert.match(leaf, /X509v3 Extended Key Usage:\s+TLS Web Server Authentication/);
  assert.match(leaf, new RegExp(`X509v3 Subject Key Identifier:\\s+${colon(leafKey.keyId)}`));
  assert.match(leaf, new RegExp(`X509v3 Authority Key Identifier:\\s+(keyid:)?${colon(caKey.keyId)}`));
});

test('openssl verify accepts the chain for TLS server use', async (t) => {
  const { caDer, leafDer } = await chain();
  const dir = mkdtempSync(join(tmpdir(), 'x509-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'ca.pem'), pem(caDer));
  writeFileSync(join(dir, 'leaf.pem'), pem(leafDer));
  const out = execFileSync('openssl', ['verify', '-purpose', 'sslserver', '-x509_strict', '-CAfile', join(dir, 'ca.pem'), join(dir, 'leaf.pem')], { encoding: 'utf8' });
  assert.match(out, /leaf\.pem: OK/);
});

test('a TLS client trusting only the CA connects by name and by IP', async (t) => {
  const { caDer, leafDer, leafKey } = await chain(new Date(Date.now() - DAY));
  const server = createServer({ key: leafKey.privateKey.export({ type: 'pkcs8', format: 'pem' }), cert: pem(leafDer) + pem(caDer) }, (s) => s.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const port = (server.address() as { port: number }).port;
  const hello = (servername: string | undefined): Promise<string> =>
    new Promise((resolve, reject) => {
      const s: TLSSocket = connect({ host: '127.0.0.1', port, ca: pem(caDer), ...(servername ? { servername } : {}) }, () => undefined);
      let got = '';
      s.on('data', (d: Buffer) => (got += d.toString()));
      s.on('end', () => resolve(got));
      s.on('error', reject);
    });
  assert.equal(await hello('localhost'), 'ok');
  assert.equal(await hello(undefined), 'ok'); // checked against the IP SAN 127.0.0.1
  await assert.rejects(hello('other.example'), /does not match|altnames/i);
});

test('the reader returns the parts a signer certificate contributes', async () => {
  const { caDer, leafDer, caName, caKey } = await chain();
  const ca = certificateParts(caDer);
  assert.deepEqual(ca.subject, encodeName(caName));
  assert.deepEqual(ca.issuer, ca.subject);
  assert.deepEqual(Buffer.from(ca.subjectPublicKeyInfo), caKey.spki);
  assert.deepEqual([...ca.extensions.keys()], ['2.5.29.19', '2.5.29.15', '2.5.29.14']);
  const leaf = certificateParts(leafDer);
  assert.deepEqual(leaf.issuer, ca.subject);
  assert.equal(leaf.extensions.size, 6);
  assert.throws(() => certificateParts(caDer.subarray(0, 50)), RangeError);
});

test('bad templates are refused instead of producing a broken certificate', async () => {
  const k = newKey();
  const base: CertificateTemplate = { serialNumber: Uint8Array.of(1), subject: [['CN', 'x']], notBefore: new Date(now), notAfter: new Date(now + DAY), subjectPublicKeyInfo: k.spki };
  const s = signer(k.privateKey);
  await assert.rejects(createCertificate({ ...base, serialNumber: new Uint8Array(21).fill(1) }, s), RangeError);
  await assert.rejects(createCertificate({ ...base, subjectAltNames: [{ type: 'ip', value: 'localhost' }] }, s), RangeError);
  await assert.rejects(createCertificate({ ...base, subjectAltNames: [{ type: 'dns', value: 'bücher.example' }] }, s), RangeError);
  assert.equal(new X509Certificate(await createCertificate(base, s)).verify(k.publicKey), true, 'no extensions at all is fine');
});
