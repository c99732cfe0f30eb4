import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, X509Certificate, createPublicKey, createPrivateKey, createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync, rmSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { identityPaths, loadIdentity, IdentityError } from './identity.js';
import { removeDir, tempDataDir } from '../testing/server-process.js';

const opts = (dataDir: string, names: string[] = []) => ({ dataDir, names, tlsCert: null, tlsKey: null });
const snapshot = (dir: string): Record<string, string> => {
  const p = identityPaths(dir);
  const out: Record<string, string> = {};
  for (const f of [p.agentKey, p.caCert, p.caKey, p.httpsCert, p.httpsKey]) out[f] = readFileSync(f, 'utf8');
  return out;
};

test('first load generates a P-256 identity; ServerID is SHA-384 of the agent key SPKI', async (t) => {
  const dir = tempDataDir();
  t.after(() => removeDir(dir));
  const id = await loadIdentity(opts(dir));
  assert.equal(id.generated, true);
  assert.match(id.serverId, /^[0-9a-f]{96}$/);
  const p = identityPaths(dir);
  const spki = createPublicKey(readFileSync(p.agentKey, 'utf8')).export({ type: 'spki', format: 'der' });
  assert.equal(createHash('sha384').update(spki).digest('hex'), id.serverId);
  assert.equal(id.agentSigningKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  for (const key of [p.agentKey, p.caKey, p.httpsKey]) {
    assert.equal(statSync(key).mode & 0o777, 0o600, key);
    assert.equal(createPublicKey(readFileSync(key, 'utf8')).asymmetricKeyType, 'ec', `${key} is ECDSA, not RSA`);
  }
  const ca = new X509Certificate(id.caCertPem);
  const leaf = new X509Certificate(id.tlsCertPem);
  assert.equal(ca.ca, true);
  assert.equal(leaf.ca, false);
  assert.ok(leaf.verify(ca.publicKey), 'HTTPS certificate signed by the CA');
  assert.equal(leaf.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
  const years = (Date.parse(ca.validTo) - Date.now()) / (365 * 24 * 3600_000);
  assert.ok(years > 9.9 && years < 10.1, `CA valid ~10 years, got ${years}`);
  assert.deepEqual(readdirSync(p.tlsDir).filter((f) => f.includes('.tmp-')), [], 'no temporary files left');
});

test('a second load generates nothing and changes no file', async (t) => {
  const dir = tempDataDir();
  t.after(() => removeDir(dir));
  const first = await loadIdentity(opts(dir));
  const before = snapshot(dir);
  const second = await loadIdentity(opts(dir));
  assert.equal(second.generated, false);
  assert.equal(second.serverId, first.serverId);
  assert.deepEqual(snapshot(dir), before);
});

test('changed names re-issue only the HTTPS certificate, from the same CA', async (t) => {
  const dir = tempDataDir();
  t.after(() => removeDir(dir));
  const first = await loadIdentity(opts(dir));
  const p = identityPaths(dir);
  const before = snapshot(dir);
  const second = await loadIdentity(opts(dir, ['mesh.example.com', '10.1.2.3', 'fd00::7']));
  assert.equal(second.serverId, first.serverId);
  assert.equal(second.caCertPem, first.caCertPem);
  const after = snapshot(dir);
  assert.equal(after[p.agentKey], before[p.agentKey]);
  assert.equal(after[p.caKey], before[p.caKey]);
  assert.notEqual(after[p.httpsCert], before[p.httpsCert]);
  const leaf = new X509Certificate(second.tlsCertPem);
  assert.ok(leaf.verify(new X509Certificate(first.caCertPem).publicKey));
  assert.equal(leaf.checkHost('mesh.example.com'), 'mesh.example.com');
  assert.equal(leaf.checkIP('10.1.2.3'), '10.1.2.3');
  assert.equal(leaf.checkIP('fd00::7'), 'fd00::7');
  assert.match(leaf.subjectAltName ?? '', /IP Address:10\.1\.2\.3/, 'IPs are IP SANs');
  // Same names again (in another order/case): nothing re-issued.
  const third = await loadIdentity(opts(dir, ['10.1.2.3', 'MESH.example.com', 'fd00::7']));
  assert.equal(third.generated, false);
  assert.equal(third.tlsCertPem, second.tlsCertPem);
});

test('a user-supplied certificate is served and the ServerID does not change', async (t) => {
  const dir = tempDataDir();
  t.after(() => removeDir(dir));
  const first = await loadIdentity(opts(dir));
  // A certificate from "elsewhere": signed by a different CA the test makes.
  const other = tempDataDir();
  t.after(() => removeDir(other));
  const foreign = await loadIdentity(opts(other, ['proxy.example']));
  const certFile = join(other, 'user.crt');
  const keyFile = join(other, 'user.key');
  writeFileSync(certFile, foreign.tlsCertPem);
  writeFileSync(keyFile, foreign.tlsKeyPem);
  const id = await loadIdentity({ dataDir: dir, names: [], tlsCert: certFile, tlsKey: keyFile });
  assert.equal(id.serverId, first.serverId);
  assert.equal(id.tlsSource, 'user');
  assert.equal(id.tlsCertPem, foreign.tlsCertPem);
  assert.equal(id.generated, false);
  // A key that does not match the certificate is refused with a clear error.
  writeFileSync(keyFile, generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
  await assert.rejects(loadIdentity({ dataDir: dir, names: [], tlsCert: certFile, tlsKey: keyFile }), (e) => e instanceof IdentityError && /does not match/.test(e.message));
});

test('a half-written identity is repaired without changing the ServerID', async (t) => {
  const dir = tempDataDir();
  t.after(() => removeDir(dir));
  const first = await loadIdentity(opts(dir));
  const p = identityPaths(dir);
  // Crash between writing the HTTPS key and its certificate: key and certificate disagree.
  writeFileSync(p.httpsKey, generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const a = await loadIdentity(opts(dir));
  assert.equal(a.serverId, first.serverId);
  assert.equal(a.generated, true, 'HTTPS certificate re-issued');
  assert.ok(new X509Certificate(a.tlsCertPem).checkPrivateKey(createPrivateKey(a.tlsKeyPem)), 'served key matches served certificate');
  assert.ok(new X509Certificate(readFileSync(p.httpsCert, 'utf8')).checkPrivateKey(createPrivateKey(readFileSync(p.httpsKey, 'utf8'))));
  assert.equal(a.caCertPem, first.caCertPem, 'CA kept');
  // Crash before the CA was written at all: a new CA and HTTPS certificate, same ServerID.
  rmSync(p.caCert);
  const b = await loadIdentity(opts(dir));
  assert.equal(b.serverId, first.serverId);
  assert.notEqual(b.caCertPem, first.caCertPem);
  assert.ok(new X509Certificate(b.tlsCertPem).verify(new X509Certificate(b.caCertPem).publicKey));
  // A leftover temporary file from a crash is ignored.
  writeFileSync(`${p.agentKey}.tmp-1-abcd`, 'garbage');
  assert.equal((await loadIdentity(opts(dir))).serverId, first.serverId);
});

test('a loosened key file mode is tightened back to 0600', async (t) => {
  const dir = tempDataDir();
  t.after(() => removeDir(dir));
  await loadIdentity(opts(dir));
  const p = identityPaths(dir);
  const { chmodSync } = await import('node:fs');
  chmodSync(p.caKey, 0o644);
  await loadIdentity(opts(dir));
  assert.equal(statSync(p.caKey).mode & 0o777, 0o600);
});

const openssl = (...args: string[]): string => execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

test('openssl accepts the generated chain for TLS server use, with the expected extensions', async (t) => {
  const dir = tempDataDir();
  t.after(() => removeDir(dir));
  await loadIdentity(opts(dir, ['mesh.example.com', '192.0.2.7']));
  const p = identityPaths(dir);
  assert.match(openssl('verify', '-purpose', 'sslserver', '-x509_strict', '-CAfile', p.caCert, p.httpsCert), /: OK\n/);
  const ca = openssl('x509', '-noout', '-text', '-in', p.caCert);
  assert.match(ca, /Subject: CN ?= ?Meshwork Root CA [0-9a-f]{12}, O ?= ?Meshwork/);
  assert.match(ca, /Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
  assert.match(ca, /Key Usage: critical\s+Certificate Sign, CRL Sign/);
  const leaf = openssl('x509', '-noout', '-text', '-in', p.httpsCert);
  assert.match(leaf, /Signature Algorithm: ecdsa-with-SHA256/);
  assert.match(leaf, /Basic Constraints: critical\s+CA:FALSE/);
  assert.match(leaf, /Extended Key Usage:\s+TLS Web Server Authentication/);
  assert.match(leaf, /DNS:localhost, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1, DNS:mesh\.example\.com, IP Address:192\.0\.2\.7/);
  const ski = /Subject Key Identifier:\s+([0-9A-F:]+)/.exec(ca)?.[1];
  assert.ok(ski);
  assert.match(leaf, new RegExp(`Authority Key Identifier:\\s+(keyid:)?${ski}`));
});

test('a CA made elsewhere (by openssl, its own name encoding) signs a re-issued HTTPS certificate that chains', async (t) => {
  const dir = tempDataDir();
  t.after(() => removeDir(dir));
  const first = await loadIdentity(opts(dir));
  const p = identityPaths(dir);
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '30', '-subj', '/C=DE/O=Elsewhere/CN=Other CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign', '-keyout', p.caKey, '-out', p.caCert);
  rmSync(p.httpsCert);
  const id = await loadIdentity(opts(dir));
  assert.equal(id.serverId, first.serverId);
  assert.equal(id.generated, true);
  assert.equal(new X509Certificate(id.tlsCertPem).issuer, 'C=DE\nO=Elsewhere\nCN=Other CA');
  assert.match(openssl('verify', '-purpose', 'sslserver', '-x509_strict', '-CAfile', p.caCert, p.httpsCert), /: OK\n/);
});
