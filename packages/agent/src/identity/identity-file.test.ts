// The identity layer with the file provider: counters, persistence, reset, provider selection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, verify, X509Certificate } from 'node:crypto';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { deviceIdOf } from './device-id.js';
import { FILE_KEY_NAME } from './file-provider.js';
import { CERT_NAME, IdentityConfigError, openIdentity, readIdentityStatus, resetIdentity } from './identity.js';
import { IdentityKeyMismatchError } from './key-provider.js';
import { STATE_FILE } from './state.js';
import { tempStateDirs } from './testing/temp-dirs.js';

const fresh = tempStateDirs('mw-id-');
const open = (stateDir: string) => openIdentity({ stateDir, keyProvider: 'file' });

test('first run: one key and one certificate; later runs: none, same device id', async () => {
  const stateDir = fresh();
  const a = await open(stateDir);
  assert.deepEqual(
    { keyProvider: a.status().keyProvider, keyGenerations: a.status().keyGenerations, certGenerations: a.status().certGenerations },
    { keyProvider: 'file', keyGenerations: 1, certGenerations: 1 },
  );
  assert.match(a.deviceId, /^[0-9a-f]{96}$/);
  assert.equal(a.deviceId, deviceIdOf(a.publicKeySpkiDer));
  await a.close();
  for (let run = 0; run < 3; run++) {
    const b = await open(stateDir);
    assert.equal(b.deviceId, a.deviceId);
    assert.equal(b.status().keyGenerations, 1);
    assert.equal(b.status().certGenerations, 1);
    assert.deepEqual(b.certificateDer, a.certificateDer);
    await b.close();
  }
  const persisted = JSON.parse(readFileSync(join(stateDir, STATE_FILE), 'utf8'));
  assert.equal(persisted.identity.keyGenerations, 1);
  assert.equal(persisted.identity.certGenerations, 1);
  assert.deepEqual(await readIdentityStatus(stateDir), a.status());
});

test('key file 0600, state dir 0700, certificate self-signed by the key', async () => {
  const stateDir = fresh();
  const id = await open(stateDir);
  assert.equal(statSync(stateDir).mode & 0o777, 0o700);
  for (const f of [FILE_KEY_NAME, CERT_NAME, STATE_FILE]) assert.equal(statSync(join(stateDir, f)).mode & 0o777, 0o600, f);
  const cert = new X509Certificate(id.certificateDer);
  assert.equal(cert.verify(createPublicKey({ key: id.publicKeySpkiDer, format: 'der', type: 'spki' })), true);
  const sig = await id.provider.sign(Buffer.from('data'));
  assert.equal(verify('sha256', Buffer.from('data'), { key: id.publicKeySpkiDer, format: 'der', type: 'spki', dsaEncoding: 'der' }, sig), true);
});

test('a lost certificate is remade once (cert generation 2), the key is kept', async () => {
  const stateDir = fresh();
  const a = await open(stateDir);
  rmSync(join(stateDir, CERT_NAME));
  const b = await open(stateDir);
  assert.equal(b.deviceId, a.deviceId);
  assert.deepEqual([b.status().keyGenerations, b.status().certGenerations], [1, 2]);
  const c = await open(stateDir);
  assert.deepEqual([c.status().keyGenerations, c.status().certGenerations], [1, 2]);
});

test('with the file provider a deleted state dir means a new device id', async () => {
  const stateDir = fresh();
  const a = await open(stateDir);
  rmSync(stateDir, { recursive: true });
  const b = await open(stateDir);
  assert.notEqual(b.deviceId, a.deviceId);
  assert.equal(b.status().keyGenerations, 1);
});

test('reset-identity removes key, certificate and identity record; the next run is a new device', async () => {
  const stateDir = fresh();
  const a = await open(stateDir);
  const r = await resetIdentity(stateDir);
  assert.deepEqual(r.removed.sort(), [CERT_NAME, FILE_KEY_NAME].sort());
  assert.deepEqual(r.previous, { deviceId: a.deviceId, keyProvider: 'file' });
  assert.equal(r.deviceIdWillChange, true);
  assert.equal(await readIdentityStatus(stateDir), undefined);
  const b = await open(stateDir);
  assert.notEqual(b.deviceId, a.deviceId);
  assert.deepEqual([b.status().keyGenerations, b.status().certGenerations], [1, 1]);
});

test('a deleted key file with a recorded identity is an error, never a silent new identity', async () => {
  const stateDir = fresh();
  await open(stateDir);
  rmSync(join(stateDir, FILE_KEY_NAME));
  await assert.rejects(open(stateDir), IdentityKeyMismatchError);
});

test('a recorded provider is not switched silently', async () => {
  const stateDir = fresh();
  await open(stateDir);
  await assert.rejects(openIdentity({ stateDir, keyProvider: 'tpm' }), IdentityConfigError);
  await assert.rejects(openIdentity({ stateDir, tpm: 'swtpm:port=1' }), IdentityConfigError);
});

test('auto-selection falls back to the file provider when no TPM device exists', async () => {
  const stateDir = fresh();
  const id = await openIdentity({ stateDir, tpmDevice: join(stateDir, 'no-such-tpm') });
  assert.equal(id.provider.kind, 'file');
  assert.equal(id.status().keyProvider, 'file');
  // and afterwards the recorded provider is used without probing again
  const again = await openIdentity({ stateDir });
  assert.equal(again.deviceId, id.deviceId);
});

test('an explicit TPM that is not there fails instead of falling back', async () => {
  const stateDir = fresh();
  await assert.rejects(openIdentity({ stateDir, tpm: `device:${join(stateDir, 'no-such-tpm')}` }), /cannot open TPM device/);
  await assert.rejects(openIdentity({ stateDir, keyProvider: 'tpm', tpmDevice: join(stateDir, 'no-such-tpm') }), /cannot open TPM device/);
  assert.equal(await readIdentityStatus(stateDir), undefined);
});
