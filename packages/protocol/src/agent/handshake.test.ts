import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import {
  AgentAuth,
  AgentHandshakeFrame,
  AgentHello,
  ServerChallenge,
  ServerHandshakeFrame,
  ServerRefused,
  ServerWelcome,
  authBytes,
  challengeBytes,
  helloBytes,
} from './handshake.js';

const key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const spki = key.publicKey.export({ type: 'spki', format: 'der' });
const hex96 = createHash('sha384').update('x').digest('hex');
const sig = sign('sha256', Buffer.from('m'), { key: key.privateKey, dsaEncoding: 'der' });

const hello = { type: 'hello', protocolVersion: 1, agentNonce: randomBytes(48).toString('base64url'), tlsCertHash: hex96 };
const challenge = {
  type: 'challenge',
  serverNonce: randomBytes(32).toString('base64url'),
  serverSignature: sig.toString('base64'),
  serverPublicKey: spki.toString('base64'),
};
const auth = {
  type: 'auth',
  agentPublicKey: spki.toString('base64'),
  agentSignature: sig.toString('base64'),
  agentCertificate: randomBytes(400).toString('base64'),
  info: { agentVersion: '0.1.0', platform: 'linux', arch: 'x64', hostname: 'pi-1', groupId: hex96, capabilities: ['terminal'] },
};

test('well-formed messages parse, and through the frame unions', () => {
  assert.deepEqual(AgentHello.parse(hello), hello);
  assert.deepEqual(ServerChallenge.parse(challenge), challenge);
  assert.deepEqual(AgentAuth.parse(auth), auth);
  assert.equal(AgentHandshakeFrame.parse(hello).type, 'hello');
  assert.equal(AgentHandshakeFrame.parse(auth).type, 'auth');
  assert.equal(ServerHandshakeFrame.parse(challenge).type, 'challenge');
  const welcome = { type: 'welcome', deviceId: hex96 };
  assert.deepEqual(ServerWelcome.parse(welcome), welcome);
  const refused = { type: 'refused', code: 'overloaded', message: 'busy', retryAfterMs: 30000 };
  assert.deepEqual(ServerHandshakeFrame.parse(refused), refused);
  const minimal = { type: 'auth', agentPublicKey: auth.agentPublicKey, agentSignature: auth.agentSignature };
  assert.equal(AgentAuth.safeParse(minimal).success, true, 'certificate and info are optional');
});

test('binary accessors decode what the schemas validated', () => {
  const h = helloBytes(AgentHello.parse(hello));
  assert.equal(h.agentNonce.length, 48);
  assert.equal(h.tlsCertHash.length, 48);
  const c = challengeBytes(ServerChallenge.parse(challenge));
  assert.deepEqual(c.serverPublicKey, new Uint8Array(spki));
  const a = authBytes(AgentAuth.parse(auth));
  assert.deepEqual(a.agentSignature, new Uint8Array(sig));
  assert.equal(a.agentCertificate?.length, 400);
});

const rejects: Array<[string, unknown, { safeParse(v: unknown): { success: boolean } }]> = [
  ['a 31-byte agent nonce', { ...hello, agentNonce: randomBytes(31).toString('base64url') }, AgentHello],
  ['a 65-byte agent nonce', { ...hello, agentNonce: randomBytes(65).toString('base64url') }, AgentHello],
  ['a padded base64 nonce', { ...hello, agentNonce: randomBytes(32).toString('base64') + '=' }, AgentHello],
  ['a 16-byte server nonce', { ...challenge, serverNonce: randomBytes(16).toString('base64url') }, ServerChallenge],
  ['an uppercase cert hash', { ...hello, tlsCertHash: hex96.toUpperCase() }, AgentHello],
  ['a SHA-256 cert hash', { ...hello, tlsCertHash: hex96.slice(0, 64) }, AgentHello],
  ['a fractional version', { ...hello, protocolVersion: 1.5 }, AgentHello],
  ['version 0', { ...hello, protocolVersion: 0 }, AgentHello],
  ['an extra field in hello', { ...hello, algorithm: 'rsa' }, AgentHello],
  ['an extra field in challenge', { ...challenge, tlsCertHash: hex96 }, ServerChallenge],
  ['an extra field in auth', { ...auth, deviceId: hex96 }, AgentAuth],
  ['an extra field in info', { ...auth, info: { ...auth.info, admin: true } }, AgentAuth],
  ['a P-384 agent key', { ...auth, agentPublicKey: generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64') }, AgentAuth],
  ['an Ed25519 server key', { ...challenge, serverPublicKey: generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' }).toString('base64') }, ServerChallenge],
  ['a 73-byte signature', { ...auth, agentSignature: randomBytes(73).toString('base64') }, AgentAuth],
  ['an empty signature', { ...challenge, serverSignature: '' }, ServerChallenge],
  ['an oversize certificate', { ...auth, agentCertificate: randomBytes(4097).toString('base64') }, AgentAuth],
  ['an oversize hostname', { ...auth, info: { ...auth.info, hostname: 'h'.repeat(256) } }, AgentAuth],
  ['a control character in a hostname', { ...auth, info: { ...auth.info, hostname: 'a\u001b[31mb' } }, AgentAuth],
  ['33 capabilities', { ...auth, info: { ...auth.info, capabilities: Array.from({ length: 33 }, (_, i) => `c${i}`) } }, AgentAuth],
  ['an unknown refusal code', { type: 'refused', code: 'nope', message: '' }, ServerRefused],
  ['a negative retry', { type: 'refused', code: 'overloaded', message: '', retryAfterMs: -1 }, ServerRefused],
  ['a non-string nonce', { ...hello, agentNonce: 42 }, AgentHello],
  ['a missing nonce', { type: 'hello', protocolVersion: 1, tlsCertHash: hex96 }, AgentHello],
  ['an auth frame sent as a server frame', auth, ServerHandshakeFrame],
  ['a welcome sent by the agent', { type: 'welcome', deviceId: hex96 }, AgentHandshakeFrame],
];
for (const [name, value, schema] of rejects) {
  test(`schemas reject ${name}`, () => {
    assert.equal(schema.safeParse(value).success, false);
  });
}
