import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto';
import {
  agentTranscript,
  AgentHello,
  bytesToBase64,
  challengeBytes,
  PROTOCOL_VERSION,
  ServerChallenge,
  type AgentAuth,
} from '@meshwork/protocol';
import { testSystem } from '../testkit/system.js';
import { answerHello, handshakeKeys, servedTlsCertHashes, verifyAgentAuth, type HandshakeKeys, type PendingAuth } from './handshake.js';

const p256 = () => {
  const k = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { privateKey: k.privateKey, spki: k.publicKey.export({ type: 'spki', format: 'der' }) };
};

describe('server handshake proofs', () => {
  let keys: HandshakeKeys;
  let tlsCertDer: Buffer;
  let tlsCertPem: string;
  before(async () => {
    const t = await testSystem();
    keys = handshakeKeys(t.sys.identity);
    tlsCertPem = t.sys.identity.tlsCertPem;
    tlsCertDer = new X509Certificate(tlsCertPem).raw;
    await t.close();
  });

  const hello = (hash: Buffer = createHash('sha384').update(tlsCertDer).digest(), protocolVersion = PROTOCOL_VERSION) =>
    AgentHello.parse({ type: 'hello', protocolVersion, agentNonce: randomBytes(48).toString('base64url'), tlsCertHash: hash.toString('hex') });

  const authFrom = (agent: ReturnType<typeof p256>, pending: PendingAuth, challenge: ServerChallenge): AgentAuth => {
    const { serverPublicKey } = challengeBytes(challenge);
    const sig = sign('sha256', agentTranscript(pending.tlsCertHash, pending.serverNonce, pending.agentNonce, serverPublicKey), { key: agent.privateKey, dsaEncoding: 'der' });
    return { type: 'auth', agentPublicKey: bytesToBase64(agent.spki), agentSignature: bytesToBase64(sig) };
  };

  it('serves the hash of the leaf certificate (not the chain) plus configured proxy hashes', () => {
    const leaf = createHash('sha384').update(tlsCertDer).digest('hex');
    const extra = 'ab'.repeat(48);
    assert.ok((tlsCertPem.match(/BEGIN CERTIFICATE/g) ?? []).length >= 2, 'the served PEM is a chain (leaf + CA)');
    assert.deepEqual(servedTlsCertHashes(tlsCertPem, [extra]), new Set([leaf, extra]));
  });

  it('answers a hello with a fresh nonce and a challenge that parses; refuses other versions and certificates', () => {
    const a = answerHello(keys, hello());
    const b = answerHello(keys, hello());
    assert.ok(a.ok && b.ok);
    assert.equal(ServerChallenge.safeParse(a.challenge).success, true);
    assert.equal(a.pending.serverNonce.length, 32);
    assert.notDeepEqual(a.pending.serverNonce, b.pending.serverNonce);
    const v = answerHello(keys, hello(undefined, PROTOCOL_VERSION + 1));
    assert.equal(!v.ok && v.code, 'unsupported_version');
    const m = answerHello(keys, hello(randomBytes(48)));
    assert.equal(!m.ok && m.code, 'tls_cert_mismatch');
  });

  it('verifies the agent signature, derives the device id, and checks the certificate key', () => {
    const agent = p256();
    const a = answerHello(keys, hello());
    assert.ok(a.ok);
    const auth = authFrom(agent, a.pending, a.challenge);
    const r = verifyAgentAuth(keys, a.pending, auth);
    assert.deepEqual(r, { ok: true, deviceId: createHash('sha384').update(agent.spki).digest('hex') });

    const otherNonce = { ...a.pending, serverNonce: new Uint8Array(randomBytes(32)) };
    assert.equal(verifyAgentAuth(keys, otherNonce, auth).ok, false, 'bound to the server nonce');
    const otherHash = { ...a.pending, tlsCertHash: new Uint8Array(randomBytes(48)) };
    assert.equal(verifyAgentAuth(keys, otherHash, auth).ok, false, 'bound to the TLS certificate hash');

    const notCert = verifyAgentAuth(keys, a.pending, { ...auth, agentCertificate: bytesToBase64(randomBytes(300)) });
    assert.equal(!notCert.ok && notCert.code, 'bad_message');
    const offCurve = Buffer.concat([agent.spki.subarray(0, 27), randomBytes(64)]);
    const bad = verifyAgentAuth(keys, a.pending, { ...auth, agentPublicKey: bytesToBase64(offCurve) });
    assert.equal(bad.ok, false, 'a point off the curve never verifies');
  });
});
