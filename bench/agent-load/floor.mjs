// The memory floor of an idle agent connection in Node, measured the way run.mjs measures the
// server: a bare HTTPS server with a `ws` WebSocketServer (the agent endpoint's options: noServer,
// no compression, no client tracking) holding N idle connections, each of which exchanged one
// small frame each way, as an agent's handshake does. Clients are forked processes bound to
// 127.0.0.x, like the generators. Printed: RSS per connection (idle → loaded, no forced GC — as
// run.mjs reads the server), the malloc arena's share (OpenSSL and Node's TLS buffers) and the
// V8 heap's, and RSS per connection after a forced GC.
//
//   node bench/agent-load/floor.mjs --connections 10000
//
// run.mjs --floor runs it before the server with the same N and prints it beside the server.
import { fork } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { createServer } from 'node:https';
import { parseArgs } from 'node:util';
import WebSocket, { WebSocketServer } from 'ws';
import { createSelfSignedCertificate } from '@meshwork/agent/identity/certificate';
import { sleep } from '../lib/proc.mjs';
import { procStats } from './server.mjs';

const role = process.env.MW_FLOOR_ROLE;
if (role === 'server') await floorServer();
else if (role === 'client') await floorClients();
else if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { connections: { type: 'string', default: '5000' } } });
  const r = await measureFloor(Number(values.connections));
  console.log(`${r.connections} idle TLS + WebSocket connections to a bare Node server: ` +
    `${r.kbPerConnection.toFixed(1)} KB RSS each (malloc arena ${r.mallocKbPerConnection.toFixed(1)} KB); ` +
    `after a forced GC ${r.kbPerConnectionAfterGc.toFixed(1)} KB`);
}

/** Starts the floor server and N clients; resolves with the per-connection figures. */
export async function measureFloor(n) {
  const procs = Math.max(1, Math.ceil(n / 12_500));
  const server = fork(new URL(import.meta.url).pathname, [], {
    env: { ...process.env, MW_FLOOR_ROLE: 'server' }, execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ask = (m) => new Promise((resolve) => {
    server.once('message', resolve);
    server.send(m);
  });
  try {
    const { port } = await new Promise((resolve) => server.once('message', resolve));
    await sleep(1_000);
    const idle = procStats([server.pid]);
    const clients = Array.from({ length: procs }, (_, i) => fork(new URL(import.meta.url).pathname, [], {
      env: { ...process.env, MW_FLOOR_ROLE: 'client', MW_FLOOR: JSON.stringify({ port, n: Math.ceil(n / procs), localAddress: `127.0.0.${2 + i}` }) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }));
    await Promise.all(clients.map((c) => new Promise((resolve) => c.once('message', resolve))));
    const { count } = await ask({ cmd: 'count' });
    await sleep(2_000);
    const loaded = procStats([server.pid]);
    await ask({ cmd: 'gc' });
    const collected = procStats([server.pid]);
    for (const c of clients) c.kill();
    return {
      connections: count,
      kbPerConnection: (loaded.rssKb - idle.rssKb) / count,
      mallocKbPerConnection: (loaded.mallocKb - idle.mallocKb) / count,
      kbPerConnectionAfterGc: (collected.rssKb - idle.rssKb) / count,
    };
  } finally {
    server.kill();
  }
}

async function floorServer() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const der = await createSelfSignedCertificate({ spki, sign: async (tbs) => sign('sha256', tbs, { key: privateKey, dsaEncoding: 'der' }) });
  const cert = `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`;
  const https = createServer({ key: privateKey.export({ type: 'pkcs8', format: 'pem' }), cert, minVersion: 'TLSv1.2' });
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false });
  const held = new Set();
  https.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => {
    held.add(ws);
    ws.on('message', (data) => ws.send(JSON.stringify({ type: 'challenge', echo: data.length, pad: 'c'.repeat(300) })));
    ws.on('close', () => held.delete(ws));
  }));
  https.listen(0, '127.0.0.1', () => process.send({ port: https.address().port }));
  process.on('message', (m) => {
    if (m.cmd === 'gc') {
      globalThis.gc?.();
      globalThis.gc?.();
    }
    process.send({ count: held.size });
  });
  process.on('disconnect', () => process.exit(0));
}

async function floorClients() {
  const { port, n, localAddress } = JSON.parse(process.env.MW_FLOOR ?? '{}');
  const sockets = [];
  const one = () => new Promise((resolve) => {
    const ws = new WebSocket(`wss://127.0.0.1:${port}/agent`, { rejectUnauthorized: false, localAddress, perMessageDeflate: false });
    sockets.push(ws);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', pad: 'h'.repeat(200) })));
    ws.once('message', resolve);
    ws.on('error', resolve);
  });
  for (let i = 0; i < n; i += 100) await Promise.all(Array.from({ length: Math.min(100, n - i) }, one));
  process.send({ done: sockets.length });
  process.on('disconnect', () => process.exit(0));
  await new Promise(() => {});
}
