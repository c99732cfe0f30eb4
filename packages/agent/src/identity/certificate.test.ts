import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, X509Certificate } from 'node:crypto';
import { AGENT_CERT_COMMON_NAME, createSelfSignedCertificate } from './certificate.js';

test('the self-signed certificate parses, carries the key, and verifies with it', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const now = new Date(Date.UTC(2026, 10, 26, 12, 0, 0));
  const der = await createSelfSignedCertificate({ spki, now, sign: async (tbs) => sign('sha256', tbs, { key: privateKey, dsaEncoding: 'der' }) });
  const cert = new X509Certificate(der);
  assert.equal(cert.subject, `CN=${AGENT_CERT_COMMON_NAME}`);
  assert.equal(cert.issuer, cert.subject);
  assert.equal(cert.verify(publicKey), true);
  assert.equal(cert.ca, false);
  assert.deepEqual(cert.publicKey.export({ type: 'spki', format: 'der' }), spki);
  assert.equal(new Date(cert.validFrom).toISOString(), '2026-11-26T11:00:00.000Z');
  assert.equal(new Date(cert.validTo).getUTCFullYear(), 9999);
  assert.equal(cert.serialNumber.length, 32);
});

test('a certificate signed by another key does not verify', async () => {
  const a = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const b = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const der = await createSelfSignedCertificate({
    spki: a.publicKey.export({ type: 'spki', format: 'der' }),
    sign: async (tbs) => sign('sha256', tbs, { key: b.privateKey, dsaEncoding: 'der' }),
  });
  assert.equal(new X509Certificate(der).verify(a.publicKey), false);
});
