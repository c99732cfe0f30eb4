import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import type { ServerRelayOpen } from '@meshwork/protocol';
import { silentLogger } from '../connection/log.js';
import { Inbox, wsPair } from '../relay/testing/ws-pair.js';
import { connectTarget, tcpHandler } from './tcp.js';

const open = (port: number): ServerRelayOpen => ({
  type: 'relayOpen', relayId: '0123456789abcdef', token: 'A'.repeat(43), protocol: 'tcp', userId: 'u', userName: 'alice', rights: 0xffffffff, options: { host: '127.0.0.1', port },
});

test('tcp: bytes and half-closes pass both ways', async () => {
  const echo = createServer({ allowHalfOpen: true }, (s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  const port = (echo.address() as AddressInfo).port;
  const handler = tcpHandler();
  const options = { host: '127.0.0.1', port };
  const socket = await connectTarget(options);
  const pair = await wsPair();
  const inbox = new Inbox(pair.user);
  const running = handler.run({ ws: pair.agent, open: open(port), options, log: silentLogger }, socket);
  const payload = randomBytes(1_000_000);
  for (let off = 0; off < payload.length; off += 65536) pair.user.send(payload.subarray(off, off + 65536), { binary: true });
  pair.user.send(JSON.stringify({ type: 'end' }));
  await inbox.until('all bytes echoed and the end', () => inbox.last('end') !== undefined);
  assert.ok(inbox.bytes.equals(payload));
  await inbox.until('close', () => inbox.closeCode !== null);
  assert.equal(inbox.closeCode, 1000);
  await running;
  await pair.close();
  echo.close();
});

test('tcp: a refused connection is an error before anything is dialled', async () => {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  await assert.rejects(connectTarget({ host: '127.0.0.1', port }), /ECONNREFUSED/);
});
