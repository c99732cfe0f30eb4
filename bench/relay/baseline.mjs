#!/usr/bin/env node
// The two baselines of bench/relay, each a process of its own (see README.md):
//   node baseline.mjs send KEY CERT FILE READ [hash|plain]
//       a TLS server; each connection gets FILE, read READ bytes at a time (the agent's read
//       size), with SHA-256 over the data as it is sent when `hash` (the agent's work)
//   node baseline.mjs forward KEY CERT PORT CA
//       a TLS server; each connection is piped from a new TLS connection to 127.0.0.1:PORT —
//       two TLS hops and nothing else: the floor of any relay through a third process
// Each prints its port on stdout once listening.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { connect, createServer } from 'node:tls';

const [mode, keyFile, certFile, ...rest] = process.argv.slice(2);
const tlsOptions = { key: readFileSync(keyFile), cert: readFileSync(certFile) };

/** Streams the file with the same loop shape as the agent: read, hash, write, wait for drain. */
async function send(sock, file, readSize, hash) {
  const h = createHash('sha256');
  const fh = await open(file, 'r');
  try {
    for (;;) {
      const buf = Buffer.allocUnsafe(readSize);
      const { bytesRead } = await fh.read(buf, 0, readSize, null);
      if (bytesRead === 0) break;
      const chunk = buf.subarray(0, bytesRead);
      if (hash) h.update(chunk);
      if (!sock.write(chunk)) await new Promise((r) => sock.once('drain', r));
    }
  } finally {
    await fh.close();
  }
  if (hash) h.digest('hex');
  sock.end();
}

let server;
if (mode === 'send') {
  const [file, read, hash] = rest;
  server = createServer(tlsOptions, (sock) => {
    sock.on('error', () => undefined);
    send(sock, file, Number(read), hash === 'hash').catch((e) => sock.destroy(e));
  });
} else if (mode === 'forward') {
  const [port, caFile] = rest;
  const ca = readFileSync(caFile);
  server = createServer(tlsOptions, (down) => {
    const up = connect({ host: '127.0.0.1', port: Number(port), ca, servername: 'localhost' });
    up.pipe(down);
    down.pipe(up);
    for (const s of [up, down]) s.on('error', () => (up.destroy(), down.destroy()));
  });
} else {
  throw new Error(`unknown mode ${mode}`);
}
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
