/** The real server's TLS: a TLS 1.2 client offering only CBC suites is refused; AEAD and TLS 1.3 are served. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type ConnectionOptions } from 'node:tls';
import { removeDir, startServer, type ServerProc } from '../testing/server-process.js';

let s: ServerProc;
before(async () => {
  s = await startServer();
});
after(async () => {
  await s.stop('SIGKILL');
  removeDir(s.dataDir);
});

/** Resolves with the negotiated protocol and cipher, or rejects with the handshake error. */
function handshake(o: ConnectionOptions): Promise<{ protocol: string | null; cipher: string }> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: '127.0.0.1', port: s.port, ca: s.ca, servername: 'localhost', ...o }, () => {
      const r = { protocol: sock.getProtocol(), cipher: sock.getCipher().standardName };
      sock.destroy();
      resolve(r);
    });
    sock.on('error', reject);
  });
}

const CBC = [
  'ECDHE-ECDSA-AES128-SHA', 'ECDHE-RSA-AES128-SHA', 'ECDHE-ECDSA-AES256-SHA', 'ECDHE-RSA-AES256-SHA',
  'ECDHE-ECDSA-AES128-SHA256', 'ECDHE-RSA-AES128-SHA256', 'ECDHE-ECDSA-AES256-SHA384', 'ECDHE-RSA-AES256-SHA384',
  'AES128-SHA', 'AES256-SHA', 'AES128-SHA256', 'AES256-SHA256', 'DHE-RSA-AES128-SHA256', 'DHE-RSA-AES256-SHA256',
].join(':');

test('a TLS 1.2 client offering only CBC suites is refused', async () => {
  await assert.rejects(handshake({ maxVersion: 'TLSv1.2', ciphers: CBC }), /handshake failure|no shared cipher|alert/i);
});

test('TLS 1.2 with ECDHE and AES-GCM or ChaCha20-Poly1305 is served', async () => {
  for (const suite of ['ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305']) {
    const r = await handshake({ maxVersion: 'TLSv1.2', ciphers: suite });
    assert.equal(r.protocol, 'TLSv1.2');
    assert.match(r.cipher, /^TLS_ECDHE_(ECDSA|RSA)_WITH_(AES_128_GCM_SHA256|CHACHA20_POLY1305_SHA256)$/);
  }
});

test('TLS 1.3 is served, and TLS 1.1 is not', async () => {
  assert.equal((await handshake({})).protocol, 'TLSv1.3');
  await assert.rejects(handshake({ minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }));
});
