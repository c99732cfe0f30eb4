import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunStreamFrame } from '@meshwork/protocol';
import { ApiClientError } from './errors.js';
import { openRunStream, runStreamUrl } from './run-stream.js';
import type { WebSocketLike } from './stream.js';

const fake = (url: string): WebSocketLike => new FakeSocket(url) as unknown as WebSocketLike;

type Listener = (ev: never) => void;

class FakeSocket {
  static made: FakeSocket[] = [];
  readonly listeners = new Map<string, Listener[]>();
  closed = false;
  constructor(readonly url: string) {
    FakeSocket.made.push(this);
  }
  send(): void {}
  close(): void {
    this.closed = true;
  }
  addEventListener(type: string, listener: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  emit(type: string, ev: { data?: unknown; code?: number; reason?: string }): void {
    for (const l of this.listeners.get(type) ?? []) (l as (e: unknown) => void)(ev);
  }
  frame(f: RunStreamFrame): void {
    this.emit('message', { data: JSON.stringify(f) });
  }
}

const DEV = 'a'.repeat(96);
const RUN = 'AAAAAAAAAAAAAAAAAAAAAA';
const exit = { exitCode: 0, signal: null, timedOut: false, truncated: false, error: null, durationMs: 1 };

test('run stream: URL, replay, reconnect with after=SEQ without repeats, end at done', async () => {
  assert.equal(runStreamUrl('https://h:8443/', RUN, 5, 'c s'), `wss://h:8443/api/v1/runs/stream?id=${RUN}&after=5&csrf=c%20s`);
  FakeSocket.made = [];
  const timers: Array<() => void> = [];
  const stream = openRunStream({ baseUrl: 'https://h:8443', runId: RUN, socket: fake, setTimer: (fn) => timers.push(fn), random: () => 0 });
  const seen: RunStreamFrame[] = [];
  const done = (async () => {
    for await (const f of stream) seen.push(f);
  })();
  const first = FakeSocket.made[0] as FakeSocket;
  assert.equal(first.url, `wss://h:8443/api/v1/runs/stream?id=${RUN}`);
  first.frame({ type: 'hello', runId: RUN, devices: [{ deviceId: DEV, name: 'a', state: 'sent' }] });
  first.frame({ type: 'output', seq: 1, deviceId: DEV, stream: 'stdout', data: 'aGkK' });
  first.emit('message', { data: 'not json' });
  first.emit('close', { code: 1006, reason: '' });
  assert.equal(timers.length, 1, 'one reconnect scheduled');
  timers.shift()?.();
  const second = FakeSocket.made[1] as FakeSocket;
  assert.equal(second.url, `wss://h:8443/api/v1/runs/stream?id=${RUN}&after=1`);
  second.frame({ type: 'hello', runId: RUN, devices: [] });
  second.frame({ type: 'output', seq: 1, deviceId: DEV, stream: 'stdout', data: 'aGkK' });
  second.frame({ type: 'exit', seq: 2, deviceId: DEV, state: 'exited', ...exit });
  second.frame({ type: 'done', seq: 2 });
  await done;
  assert.deepEqual(seen.map((f) => f.type), ['hello', 'output', 'exit', 'done']);
  assert.equal(second.closed, true);
});

test('run stream: an error frame ends the iteration with that code; repeated drops give up', async () => {
  FakeSocket.made = [];
  const s1 = openRunStream({ baseUrl: 'https://h', runId: RUN, socket: fake });
  const it1 = s1[Symbol.asyncIterator]();
  (FakeSocket.made[0] as FakeSocket).frame({ type: 'error', code: 'not_found', message: 'Not found.' });
  await assert.rejects(it1.next(), (e) => e instanceof ApiClientError && e.code === 'not_found');

  FakeSocket.made = [];
  const timers: Array<() => void> = [];
  const s2 = openRunStream({ baseUrl: 'https://h', runId: RUN, socket: fake, setTimer: (fn) => timers.push(fn), maxReconnects: 2 });
  const it2 = s2[Symbol.asyncIterator]();
  const next = it2.next();
  for (let i = 0; i < 3; i++) {
    (FakeSocket.made[i] as FakeSocket).emit('close', { code: 1006, reason: '' });
    timers.shift()?.();
  }
  await assert.rejects(next, (e) => e instanceof ApiClientError && e.code === 'network_error');
});
