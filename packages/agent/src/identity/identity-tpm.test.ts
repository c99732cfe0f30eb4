// The identity layer with the TPM provider (swtpm): counters, the same device id after the state
// dir is deleted, after a TPM restart, after reset-identity; the certificate signed by the TPM.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, verify, X509Certificate } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { deviceIdOf } from './device-id.js';
import { CERT_NAME, openIdentity, resetIdentity } from './identity.js';
import { STATE_FILE } from './state.js';
import { tempStateDirs } from './testing/temp-dirs.js';
import { startSwtpm, type Swtpm } from './tpm/testing/swtpm.js';

let tpm: Swtpm;
before(async () => {
  tpm = await startSwtpm();
});
after(async () => {
  await tpm?.stop();
});

const fresh = tempStateDirs('mw-tpmid-');
const counters = (s: { keyGenerations: number; certGenerations: number }) => [s.keyGenerations, s.certGenerations];

test('first run: 1 key + 1 certificate; second run: 0 + 0 and the same device id; no key file', async () => {
  const stateDir = fresh();
  const a = await openIdentity({ stateDir, tpm: tpm.tcti });
  assert.equal(a.provider.kind, 'tpm');
  assert.equal(a.status().keyProvider, 'tpm');
  assert.equal(a.status().tpm, tpm.tcti);
  assert.deepEqual(counters(a.status()), [1, 1]);
  assert.equal(a.deviceId, deviceIdOf(a.publicKeySpkiDer));
  await a.close();
  // the recorded TCTI is reused: no option needed on later runs
  const b = await openIdentity({ stateDir });
  assert.equal(b.deviceId, a.deviceId);
  assert.deepEqual(counters(b.status()), [1, 1]);
  await b.close();
  assert.deepEqual(readdirSync(stateDir).sort(), [CERT_NAME, STATE_FILE].sort(), 'no private key material on disk');
});

test('the self-signed certificate was signed by the TPM key', async () => {
  const id = await openIdentity({ stateDir: fresh(), tpm: tpm.tcti });
  const cert = new X509Certificate(id.certificateDer);
  assert.equal(cert.verify(createPublicKey({ key: id.publicKeySpkiDer, format: 'der', type: 'spki' })), true);
  assert.deepEqual(cert.publicKey.export({ type: 'spki', format: 'der' }), id.publicKeySpkiDer);
});

test('state dir deleted → the same device id (the TPM re-derives the key)', async () => {
  const stateDir = fresh();
  const a = await openIdentity({ stateDir, tpm: tpm.tcti });
  rmSync(stateDir, { recursive: true });
  const b = await openIdentity({ stateDir, tpm: tpm.tcti });
  assert.equal(b.deviceId, a.deviceId);
  assert.deepEqual(counters(b.status()), [1, 1], 'a fresh state dir provisions once');
  // and an unrelated state dir on the same TPM is the same device too
  const c = await openIdentity({ stateDir: fresh(), tpm: tpm.tcti });
  assert.equal(c.deviceId, a.deviceId);
});

test('TPM restarted on the same TPM state → same device id, and signing works', async () => {
  const stateDir = fresh();
  const a = await openIdentity({ stateDir, tpm: tpm.tcti });
  await tpm.restart(); // new ports, same TPM state = a reboot
  const b = await openIdentity({ stateDir, tpm: tpm.tcti });
  assert.equal(b.deviceId, a.deviceId);
  assert.deepEqual(counters(b.status()), [1, 1]);
  const sig = await b.provider.sign(Buffer.from('after reboot'));
  assert.equal(verify('sha256', Buffer.from('after reboot'), { key: b.publicKeySpkiDer, format: 'der', type: 'spki', dsaEncoding: 'der' }, sig), true);
  rmSync(stateDir, { recursive: true });
  const c = await openIdentity({ stateDir, tpm: tpm.tcti });
  assert.equal(c.deviceId, a.deviceId, 'state dir deleted after the reboot: still the same id');
});

test('another TPM is another device', async () => {
  const other = await startSwtpm();
  try {
    const a = await openIdentity({ stateDir: fresh(), tpm: tpm.tcti });
    const b = await openIdentity({ stateDir: fresh(), tpm: other.tcti });
    assert.notEqual(b.deviceId, a.deviceId);
  } finally {
    await other.stop();
  }
});

test('a recorded TPM identity refuses to sign with a TPM that derives another key', async () => {
  const other = await startSwtpm();
  try {
    const stateDir = fresh();
    await openIdentity({ stateDir, tpm: tpm.tcti });
    const moved = await openIdentity({ stateDir, tpm: other.tcti });
    await assert.rejects(moved.provider.sign(Buffer.from('x')), /derives a different identity key/);
  } finally {
    await other.stop();
  }
});

test('reset-identity with the TPM: certificate and record go, the device id comes back', async () => {
  const stateDir = fresh();
  const a = await openIdentity({ stateDir, tpm: tpm.tcti });
  const r = await resetIdentity(stateDir);
  assert.deepEqual(r.removed, [CERT_NAME]);
  assert.deepEqual(r.previous, { deviceId: a.deviceId, keyProvider: 'tpm' });
  assert.equal(r.deviceIdWillChange, false);
  const b = await openIdentity({ stateDir, tpm: tpm.tcti });
  assert.equal(b.deviceId, a.deviceId);
  assert.deepEqual(counters(b.status()), [1, 1]);
});

test('opening and signing leave no transient objects in the TPM', async () => {
  const id = await openIdentity({ stateDir: fresh(), tpm: tpm.tcti });
  await id.provider.sign(Buffer.from('x'));
  await id.close();
  assert.deepEqual(await tpm.use((t) => t.transientHandles()), []);
});
