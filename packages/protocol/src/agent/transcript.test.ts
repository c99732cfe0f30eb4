import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { bytesEqual, bytesToHex } from './bytes.js';
import { AGENT_PROOF_LABEL, agentTranscript, SERVER_PROOF_LABEL, serverTranscript } from './transcript.js';

const spki = () => new Uint8Array(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'der' }));
const bytes = (n: number) => new Uint8Array(randomBytes(n));
const base = { hash: bytes(48), agentNonce: bytes(48), serverNonce: bytes(32), serverKey: spki() };
const server = (f = base) => serverTranscript(f.hash, f.agentNonce, f.serverNonce);
const agent = (f = base) => agentTranscript(f.hash, f.serverNonce, f.agentNonce, f.serverKey);

test('the layout is length-prefixed label then fields', () => {
  const t = server();
  const view = new DataView(t.buffer, t.byteOffset, t.byteLength);
  assert.equal(view.getUint32(0), SERVER_PROOF_LABEL.length);
  assert.equal(new TextDecoder().decode(t.subarray(4, 4 + SERVER_PROOF_LABEL.length)), SERVER_PROOF_LABEL);
  let o = 4 + SERVER_PROOF_LABEL.length;
  for (const field of [base.hash, base.agentNonce, base.serverNonce]) {
    assert.equal(view.getUint32(o), field.length);
    assert.deepEqual(t.subarray(o + 4, o + 4 + field.length), field);
    o += 4 + field.length;
  }
  assert.equal(o, t.length);
  assert.deepEqual(server(), t, 'deterministic');
});

test('the two directions never produce the same bytes, and their labels differ', () => {
  assert.notEqual(SERVER_PROOF_LABEL, AGENT_PROOF_LABEL);
  assert.equal(bytesEqual(server(), agent()), false);
  // even when the nonces are swapped so the field order lines up
  const swapped = { ...base, agentNonce: base.serverNonce, serverNonce: base.agentNonce };
  assert.equal(bytesEqual(server(), agent(swapped).subarray(0, server().length)), false);
});

test('every field changes each transcript', () => {
  const variants: Array<[string, typeof base]> = [
    ['tlsCertHash', { ...base, hash: bytes(48) }],
    ['agentNonce', { ...base, agentNonce: bytes(48) }],
    ['serverNonce', { ...base, serverNonce: bytes(32) }],
  ];
  for (const [name, v] of variants) {
    assert.equal(bytesEqual(server(v), server()), false, `server transcript ignores ${name}`);
    assert.equal(bytesEqual(agent(v), agent()), false, `agent transcript ignores ${name}`);
  }
  assert.equal(bytesEqual(agent({ ...base, serverKey: spki() }), agent()), false, 'agent transcript ignores serverPublicKey');
});

test('moving bytes between adjacent fields changes the transcript (no boundary ambiguity)', () => {
  const joined = bytes(72); // the same 72 bytes split 32|40 and 40|32
  const a = serverTranscript(base.hash, joined.subarray(0, 32), joined.subarray(32));
  const b = serverTranscript(base.hash, joined.subarray(0, 40), joined.subarray(40));
  assert.equal(a.length, b.length);
  assert.notEqual(bytesToHex(a), bytesToHex(b));
});

test('builders refuse malformed inputs instead of signing them', () => {
  assert.throws(() => serverTranscript(bytes(32), base.agentNonce, base.serverNonce), RangeError);
  assert.throws(() => serverTranscript(base.hash, bytes(31), base.serverNonce), RangeError);
  assert.throws(() => serverTranscript(base.hash, base.agentNonce, bytes(65)), RangeError);
  assert.throws(() => agentTranscript(base.hash, base.serverNonce, base.agentNonce, bytes(91)), RangeError);
});
