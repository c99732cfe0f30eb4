// The TPM key provider against a real (software) TPM 2.0: swtpm on loopback.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IdentityKeyMismatchError } from '../key-provider.js';
import { getCapability, parseResponse } from './commands.js';
import { TPM_CAP_TPM_PROPERTIES, TPM_PT_MANUFACTURER, TPM_RC } from './constants.js';
import { TpmError } from './errors.js';
import { IDENTITY_ATTRIBUTES_TOOLS, IDENTITY_UNIQUE, identityTemplate } from './template.js';
import { startSwtpm, type Swtpm } from './testing/swtpm.js';
import { parseTcti } from './tcti.js';
import { TpmKeyProvider } from './tpm-provider.js';
import { openTransport } from './transport.js';

let tpm: Swtpm;
before(async () => {
  tpm = await startSwtpm();
});
after(async () => {
  await tpm?.stop();
});

const verifies = (spki: Buffer, data: Buffer, sig: Buffer) =>
  verify('sha256', data, { key: spki, format: 'der', type: 'spki', dsaEncoding: 'der' }, sig);

test('the TPM key is P-256, and its signatures verify with node:crypto against its SPKI', async () => {
  const p = new TpmKeyProvider({ tcti: tpm.tcti });
  const spki = await p.publicKeySpkiDer();
  const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  assert.equal(key.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  for (const size of [0, 1, 32, 1000, 70_000]) {
    const data = Buffer.alloc(size, size & 0xff);
    const sig = await p.sign(data);
    assert.equal(verifies(spki, data, sig), true, `size ${size}`);
    assert.equal(verifies(spki, Buffer.concat([data, Buffer.from([1])]), sig), false);
  }
  await p.close();
});

test('the key is deterministic: a second provider, a second connection, the same key', async () => {
  const a = await new TpmKeyProvider({ tcti: tpm.tcti }).derive();
  const b = await new TpmKeyProvider({ tcti: tpm.tcti }).derive();
  assert.deepEqual(a, b);
});

test('tpm2-tools derives the same key from the same template (independent check of our marshalling)', async (t) => {
  if (spawnSync('sh', ['-c', 'command -v tpm2_createprimary'], { stdio: 'ignore' }).status !== 0) {
    assert.fail('tpm2-tools is not installed; install it with: apt-get install -y tpm2-tools');
  }
  const ours = await new TpmKeyProvider({ tcti: tpm.tcti }).derive();
  const dir = mkdtempSync(join(tmpdir(), 'mw-tools-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // TPMU_PUBLIC_ID as tpm2-tools reads it: two TPM2B_ECC_PARAMETER {u16 LE size; 128-byte buffer}
  const unique = Buffer.alloc(2 * 130);
  unique.writeUInt16LE(IDENTITY_UNIQUE.length, 0);
  unique.set(IDENTITY_UNIQUE, 2);
  writeFileSync(join(dir, 'unique.bin'), unique);
  const env = { ...process.env, TPM2TOOLS_TCTI: tpm.tcti };
  const run = (args: string[]) => {
    const r = spawnSync(args[0] ?? '', args.slice(1), { env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  };
  run(['tpm2_createprimary', '-Q', '-C', 'o', '-g', 'sha256', '-G', 'ecc256:ecdsa-sha256', '-a', IDENTITY_ATTRIBUTES_TOOLS,
    '-u', join(dir, 'unique.bin'), '-c', join(dir, 'k.ctx'), '-f', 'pem', '-o', join(dir, 'k.pem')]);
  run(['tpm2_flushcontext', '-t']);
  const theirs = createPublicKey(readFileSync(join(dir, 'k.pem'))).export({ type: 'spki', format: 'der' });
  assert.deepEqual(theirs, ours);
});

test('200 signatures in a row leave no transient object behind (no TPM_RC_OBJECT_MEMORY)', async () => {
  const p = new TpmKeyProvider({ tcti: tpm.tcti });
  const spki = await p.publicKeySpkiDer();
  const data = Buffer.from('leak check');
  for (let i = 0; i < 200; i++) assert.equal(verifies(spki, data, await p.sign(data)), true);
  await p.close();
  assert.deepEqual(await tpm.use((t) => t.transientHandles()), []);
});

test('concurrent signatures are serialised and all verify', async () => {
  const p = new TpmKeyProvider({ tcti: tpm.tcti });
  const spki = await p.publicKeySpkiDer();
  const msgs = Array.from({ length: 12 }, (_, i) => Buffer.from(`m${i}`));
  const sigs = await Promise.all(msgs.map((m) => p.sign(m)));
  sigs.forEach((s, i) => assert.equal(verifies(spki, msgs[i] ?? Buffer.alloc(0), s), true));
  assert.deepEqual(await tpm.use((t) => t.transientHandles()), []);
});

test('the leak check can fail: unflushed primaries exhaust swtpm object slots with 0x902', async () => {
  const handles: number[] = [];
  try {
    await tpm.use(async (t) => {
      const err = await (async () => {
        for (let i = 0; i < 10; i++) handles.push((await t.createPrimaryOwner(identityTemplate())).handle);
        return undefined;
      })().catch((e: unknown) => e);
      assert.ok(err instanceof TpmError, 'expected the TPM to run out of object slots');
      assert.equal(err.rc, TPM_RC.OBJECT_MEMORY);
      assert.notDeepEqual(await t.transientHandles(), []);
    });
  } finally {
    await tpm.use(async (t) => {
      for (const h of handles) await t.flush(h);
    });
  }
  assert.deepEqual(await tpm.use((t) => t.transientHandles()), []);
});

test('a provider bound to a recorded key refuses a TPM that derives another key', async () => {
  const other = await startSwtpm();
  try {
    const recorded = await new TpmKeyProvider({ tcti: tpm.tcti }).derive();
    const p = new TpmKeyProvider({ tcti: other.tcti, expectedSpki: recorded });
    await assert.rejects(p.sign(Buffer.from('x')), IdentityKeyMismatchError);
    assert.deepEqual(await other.use((t) => t.transientHandles()), [], 'flushed even on mismatch');
  } finally {
    await other.stop();
  }
});

test('an unreachable TPM fails with a transport error, not a hang', async () => {
  const p = new TpmKeyProvider({ tcti: 'swtpm:host=127.0.0.1,port=1', timeoutMs: 2000 });
  await assert.rejects(p.derive(), /cannot reach TPM/);
});

test('a TPM that was never started gets TPM2_Startup from the client', async () => {
  const cold = await startSwtpm({ startup: false });
  try {
    const raw = await openTransport(parseTcti(cold.tcti), 5000);
    const c = getCapability(TPM_CAP_TPM_PROPERTIES, TPM_PT_MANUFACTURER, 1);
    const rc = parseResponse(c, await raw.transmit(c.bytes)).rc;
    await raw.close();
    assert.equal(rc, TPM_RC.INITIALIZE, 'the TPM is cold');
    const p = new TpmKeyProvider({ tcti: cold.tcti });
    const spki = await p.derive();
    assert.equal(verifies(spki, Buffer.from('x'), await p.sign(Buffer.from('x'))), true);
  } finally {
    await cold.stop();
  }
});
