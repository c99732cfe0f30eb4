import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { FILES_BLOCK, FILES_WINDOW } from '@meshwork/protocol';
import { FilesClient, FilesError } from './relay-files.js';
import type { RelaySocket } from './relay.js';

/** A socket double: records what the client sends; the test plays the agent. */
class FakeSocket implements RelaySocket {
  binaryType = 'arraybuffer';
  bufferedAmount = 0;
  readyState = 1;
  sent: (string | Uint8Array)[] = [];
  private listeners: Record<string, ((ev: never) => void)[]> = {};
  send(data: string | Uint8Array): void {
    this.sent.push(data);
  }
  close(): void {
    this.readyState = 3;
  }
  addEventListener(type: string, listener: (ev: never) => void): void {
    (this.listeners[type] ??= []).push(listener);
  }
  emit(type: string, ev: unknown): void {
    for (const l of this.listeners[type] ?? []) (l as (e: unknown) => void)(ev);
  }
  json(): Record<string, unknown>[] {
    return this.sent.filter((s): s is string => typeof s === 'string').map((s) => JSON.parse(s) as Record<string, unknown>);
  }
}

const hasher = (): { update(b: Uint8Array): void; digestHex(): string } => {
  const h = createHash('sha256');
  return { update: (b) => void h.update(b), digestHex: () => h.digest('hex') };
};
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('files client: a download whose hash does not match fails', async () => {
  const s = new FakeSocket();
  const files = new FilesClient(s, hasher);
  const chunks: Uint8Array[] = [];
  const p = files.download('/x', async (b) => void chunks.push(b));
  const [req] = s.json();
  assert.deepEqual(req, { type: 'download', id: 1, path: '/x' });
  s.emit('message', { data: JSON.stringify({ type: 'meta', id: 1, size: 3, mtime: 0, mode: 0o644 }) });
  s.emit('message', { data: new Uint8Array([1, 2, 3]).buffer });
  s.emit('message', { data: JSON.stringify({ type: 'done', id: 1, size: 3, sha256: 'f'.repeat(64) }) });
  await assert.rejects(p, (e: unknown) => e instanceof FilesError && e.fileCode === 'hash_mismatch');
  assert.equal(chunks.length, 1);
});

test('files client: an upload keeps at most the window unacknowledged, then sends the hash', async () => {
  const s = new FakeSocket();
  const files = new FilesClient(s, hasher);
  const size = FILES_WINDOW * FILES_BLOCK * 2;
  const data = new Uint8Array(size).fill(7);
  async function* source(): AsyncGenerator<Uint8Array> {
    yield data;
  }
  const p = files.upload('/y', source(), size, false);
  assert.deepEqual(s.json()[0], { type: 'upload', id: 1, path: '/y', size, overwrite: false });
  s.emit('message', { data: JSON.stringify({ type: 'ready', id: 1 }) });
  await tick();
  const binaries = (): number => s.sent.filter((x) => typeof x !== 'string').length;
  assert.equal(binaries(), FILES_WINDOW, 'stops at the window');
  s.emit('message', { data: JSON.stringify({ type: 'ack', id: 1, bytes: FILES_WINDOW * FILES_BLOCK }) });
  await tick();
  assert.equal(binaries(), FILES_WINDOW * 2);
  await tick();
  const end = s.json().find((j) => j.type === 'end');
  assert.equal(end?.sha256, createHash('sha256').update(data).digest('hex'));
  s.emit('message', { data: JSON.stringify({ type: 'saved', id: 1, size, sha256: end?.sha256 }) });
  assert.deepEqual(await p, { size, sha256: end?.sha256 });
});

test('files client: an error reply rejects with the file error code; a closed relay rejects what runs', async () => {
  const s = new FakeSocket();
  const files = new FilesClient(s, hasher);
  const p = files.mkdir('/z');
  s.emit('message', { data: JSON.stringify({ type: 'error', id: 1, code: 'exists', message: '/z already exists' }) });
  await assert.rejects(p, (e: unknown) => e instanceof FilesError && e.fileCode === 'exists');
  const q = files.list('/');
  s.emit('close', { code: 4003, reason: 'no' });
  await assert.rejects(q, /no/);
});
