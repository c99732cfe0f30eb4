// The agent handshake end to end over the protocol's schemas and transcripts: a reference server
// written here with node:crypto (signs with a P-256 key, verifies the agent, derives the device id)
// against the agent's proof functions, with the identity key in the TPM (swtpm) and in a file.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, X509Certificate } from 'node:crypto';
import {
  AgentAuth,
  AgentHello,
  agentTranscript,
  authBytes,
  bytesToBase64,
  bytesToBase64url,
  helloBytes,
  ServerChallenge,
  serverTranscript,
} from '@meshwork/protocol';
import { deviceIdOf } from './device-id.js';
import { openIdentity, type AgentIdentity } from './identity.js';
import { createAuth, createHello, HandshakeError, verifyChallenge } from './proof.js';
import { startSwtpm, type Swtpm } from './tpm/testing/swtpm.js';
import { tempStateDirs } from './testing/temp-dirs.js';

/** JSON over the "wire", parsed by the receiver's schema, as both ends do at the socket boundary. */
const wire = <T>(schema: { parse(v: unknown): T }, msg: unknown): T => schema.parse(JSON.parse(JSON.stringify(msg)));

/** A minimal reference server: its agent-server key, its TLS certificate(s), one state per connection. */
function referenceServer(tlsCertDers: Buffer[]) {
  const key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = key.publicKey.export({ type: 'spki', format: 'der' });
  const known = new Set(tlsCertDers.map((c) => createHash('sha384').update(c).digest('hex')));
  return {
    serverId: deviceIdOf(spki),
    spki,
    /** hello → challenge, plus what this connection must remember. */
    challenge(helloMsg: AgentHello) {
      if (!known.has(helloMsg.tlsCertHash)) throw new Error('tls_cert_mismatch');
      const { agentNonce, tlsCertHash } = helloBytes(helloMsg);
      const serverNonce = randomBytes(32);
      const sig = sign('sha256', serverTranscript(tlsCertHash, agentNonce, serverNonce), { key: key.privateKey, dsaEncoding: 'der' });
      const msg: ServerChallenge = {
        type: 'challenge',
        serverNonce: bytesToBase64url(serverNonce),
        serverSignature: bytesToBase64(sig),
        serverPublicKey: bytesToBase64(spki),
      };
      return { msg, conn: { tlsCertHash, agentNonce, serverNonce: new Uint8Array(serverNonce) } };
    },
    /** auth → device id, or throws. */
    verifyAuth(auth: AgentAuth, conn: { tlsCertHash: Uint8Array; agentNonce: Uint8Array; serverNonce: Uint8Array }): string {
      const { agentPublicKey, agentSignature, agentCertificate } = authBytes(auth);
      const transcript = agentTranscript(conn.tlsCertHash, conn.serverNonce, conn.agentNonce, spki);
      const agentKey = createPublicKey({ key: Buffer.from(agentPublicKey), format: 'der', type: 'spki' });
      if (!verify('sha256', transcript, { key: agentKey, dsaEncoding: 'der' }, agentSignature)) throw new Error('bad_signature');
      if (agentCertificate) {
        const cert = new X509Certificate(agentCertificate);
        if (!cert.publicKey.export({ type: 'spki', format: 'der' }).equals(Buffer.from(agentPublicKey))) throw new Error('cert_key_mismatch');
      }
      return deviceIdOf(agentPublicKey);
    },
  };
}

const tlsCert = randomBytes(600); // stands in for the DER of the server's TLS leaf certificate
const info = { agentVersion: '0.1.0', platform: 'linux', arch: 'x64', hostname: 'pi-1' };

const fresh = tempStateDirs('mw-hs-');
let tpm: Swtpm;
let tpmIdentity: AgentIdentity;
let fileIdentity: AgentIdentity;
before(async () => {
  tpm = await startSwtpm();
  tpmIdentity = await openIdentity({ stateDir: fresh(), tpm: tpm.tcti });
  fileIdentity = await openIdentity({ stateDir: fresh(), keyProvider: 'file' });
});
after(async () => {
  await tpm?.stop();
});

async function roundTrip(server: ReturnType<typeof referenceServer>, id: AgentIdentity) {
  const { hello, ctx } = createHello(tlsCert);
  const { msg, conn } = server.challenge(wire(AgentHello, hello));
  const challenge = wire(ServerChallenge, msg);
  const serverKey = verifyChallenge(challenge, ctx, server.serverId);
  const auth = wire(AgentAuth, await createAuth(id, ctx, challenge, serverKey, info));
  return { deviceId: server.verifyAuth(auth, conn), hello, ctx, challenge, conn, auth };
}

for (const [name, identity] of [['TPM', () => tpmIdentity], ['file', () => fileIdentity]] as const) {
  describe(`handshake with the ${name} provider`, () => {
    test('completes, and the server derives the agent device id', async () => {
      const server = referenceServer([tlsCert]);
      const r = await roundTrip(server, identity());
      assert.equal(r.deviceId, identity().deviceId);
      assert.deepEqual(r.auth.info, info);
    });

    test('an auth replayed on another connection (other server nonce) fails', async () => {
      const server = referenceServer([tlsCert]);
      const first = await roundTrip(server, identity());
      const second = server.challenge(wire(AgentHello, first.hello)); // even with the same hello
      assert.throws(() => server.verifyAuth(first.auth, second.conn), /bad_signature/);
    });
  });
}

test('an auth bound to another agent nonce or another TLS cert hash fails at the server', async () => {
  const server = referenceServer([tlsCert]);
  const r = await roundTrip(server, tpmIdentity);
  assert.throws(() => server.verifyAuth(r.auth, { ...r.conn, agentNonce: new Uint8Array(randomBytes(48)) }), /bad_signature/);
  assert.throws(() => server.verifyAuth(r.auth, { ...r.conn, tlsCertHash: new Uint8Array(randomBytes(48)) }), /bad_signature/);
});

test('a challenge replayed to a new connection (new agent nonce) is rejected by the agent', async () => {
  const server = referenceServer([tlsCert]);
  const old = createHello(tlsCert);
  const { msg } = server.challenge(old.hello);
  const fresh = createHello(tlsCert);
  assert.throws(() => verifyChallenge(msg, fresh.ctx, server.serverId), (e: unknown) => e instanceof HandshakeError && e.code === 'bad_server_signature');
});

test('MITM with another certificate: the agent reports its hash; the real server refuses, a relay that rewrites it fails the signature', async () => {
  const server = referenceServer([tlsCert]);
  const mitmCert = randomBytes(600);
  const { hello, ctx } = createHello(mitmCert);
  assert.throws(() => server.challenge(hello), /tls_cert_mismatch/);
  // the relay swaps in the real certificate's hash; the server signs that; the agent checks against what it saw
  const rewritten = { ...hello, tlsCertHash: createHash('sha384').update(tlsCert).digest('hex') };
  const { msg } = server.challenge(wire(AgentHello, rewritten));
  assert.throws(() => verifyChallenge(msg, ctx, server.serverId), (e: unknown) => e instanceof HandshakeError && e.code === 'bad_server_signature');
});

test('a rogue server (not the pinned ServerID) is rejected, even with a valid signature of its own', async () => {
  const real = referenceServer([tlsCert]);
  const rogue = referenceServer([tlsCert]);
  const { hello, ctx } = createHello(tlsCert);
  const { msg } = rogue.challenge(hello);
  assert.throws(() => verifyChallenge(msg, ctx, real.serverId), (e: unknown) => e instanceof HandshakeError && e.code === 'server_id_mismatch');
});

test('the outer TLS certificate may change: the handshake binds whichever the agent saw', async () => {
  const renewed = randomBytes(700);
  const server = referenceServer([tlsCert, renewed]);
  const { hello, ctx } = createHello(renewed);
  const { msg, conn } = server.challenge(hello);
  const key = verifyChallenge(msg, ctx, server.serverId);
  assert.equal(server.verifyAuth(await createAuth(fileIdentity, ctx, msg, key), conn), fileIdentity.deviceId);
});

test('a server signature can never pass as an agent signature (direction labels)', async () => {
  // Same key in both roles, same nonces and hash: only the label and field order differ.
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const hash = randomBytes(48);
  const n1 = randomBytes(32);
  const n2 = randomBytes(32);
  const serverSig = sign('sha256', serverTranscript(hash, n1, n2), { key: privateKey, dsaEncoding: 'der' });
  for (const [s, a] of [[n2, n1], [n1, n2]] as const) {
    assert.equal(verify('sha256', agentTranscript(hash, s, a, spki), { key: publicKey, dsaEncoding: 'der' }, serverSig), false);
  }
});

test('an agent key swapped into someone else\'s auth does not verify', async () => {
  const server = referenceServer([tlsCert]);
  const r = await roundTrip(server, tpmIdentity);
  const forged = { ...r.auth, agentPublicKey: bytesToBase64(fileIdentity.publicKeySpkiDer) };
  assert.throws(() => server.verifyAuth(wire(AgentAuth, forged), r.conn), /bad_signature/);
});
