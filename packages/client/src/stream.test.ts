import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, eventStreamUrl, openEventStream, type StreamStatus, type WebSocketCtor } from './stream.js';
import { ApiClientError } from './errors.js';

type Listener = (ev: never) => void;

/** A scripted WebSocket: tests push open/message/close into the latest instance. */
class FakeSocket {
  static all: FakeSocket[] = [];
  listeners = new Map<string, Listener[]>();
  closedWith: number | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(): void {}
  close(code?: number): void {
    this.closedWith = code ?? 1005;
  }
  addEventListener(type: string, l: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), l]);
  }
  emit(type: string, ev: unknown = {}): void {
    for (const l of this.listeners.get(type) ?? []) (l as (e: unknown) => void)(ev);
  }
  frame(obj: unknown): void {
    this.emit('message', { data: typeof obj === 'string' ? obj : JSON.stringify(obj) });
  }
}

// The `ws` package's WebSocket must be usable as the constructor (compile-time check).
type WsFits = typeof import('ws').WebSocket extends WebSocketCtor ? true : false;
const wsFits: WsFits = true;

function harness() {
  FakeSocket.all = [];
  const timers: { fn: () => void; ms: number }[] = [];
  const statuses: StreamStatus[] = [];
  const stream = openEventStream({
    url: 'wss://h/api/v1/events/stream',
    WebSocket: FakeSocket satisfies WebSocketCtor,
    backoff: { initialMs: 100, maxMs: 1000, factor: 2 },
    random: () => 1,
    setTimer: (fn, ms) => timers.push({ fn, ms }),
    clearTimer: () => undefined,
    onStatus: (s) => statuses.push(s),
  });
  const sock = (i: number): FakeSocket => {
    const s = FakeSocket.all[i];
    assert.ok(s, `socket ${i} exists`);
    return s;
  };
  return { stream, timers, statuses, sock, it: stream[Symbol.asyncIterator]() };
}

test('frames are parsed and yielded; garbage and unknown frames are skipped', async () => {
  assert.equal(wsFits, true);
  const h = harness();
  h.sock(0).emit('open');
  h.sock(0).frame('not json');
  h.sock(0).frame({ type: 'nonsense' });
  h.sock(0).frame({ type: 'hello', userId: 'u1', protocolVersion: 1 });
  h.sock(0).frame({ type: 'deviceRemoved', deviceId: 'd' });
  assert.deepEqual((await h.it.next()).value, { type: 'hello', userId: 'u1', protocolVersion: 1 });
  assert.deepEqual((await h.it.next()).value, { type: 'deviceRemoved', deviceId: 'd' });
  h.stream.close();
  assert.equal((await h.it.next()).done, true);
  assert.equal(h.sock(0).closedWith, 1000);
});

test('a dropped socket reconnects with growing, capped delays that reset after hello', async () => {
  const h = harness();
  const delays: number[] = [];
  for (let i = 0; i < 5; i++) {
    h.sock(i).emit('close', { code: 1006, reason: '' });
    const t = h.timers.at(-1);
    assert.ok(t);
    delays.push(t.ms);
    t.fn();
  }
  assert.deepEqual(delays, [100, 200, 400, 800, 1000]);
  assert.equal(FakeSocket.all.length, 6);
  h.sock(5).frame({ type: 'hello', userId: 'u1', protocolVersion: 1 });
  h.sock(5).emit('close', { code: 1001, reason: 'restart' });
  assert.equal(h.timers.at(-1)?.ms, 100);
  assert.deepEqual(h.statuses.filter((s) => s.state === 'waiting').at(-1), { state: 'waiting', delayMs: 100, closeCode: 1001 });
  assert.equal((await h.it.next()).value?.type, 'hello');
  h.stream.close();
});

test('a fatal error frame ends the iteration with ApiClientError and stops reconnecting', async () => {
  const h = harness();
  const pending = h.it.next();
  h.sock(0).frame({ type: 'error', code: 'csrf_failed', message: 'Missing or wrong CSRF token.' });
  await assert.rejects(pending, (e) => e instanceof ApiClientError && e.code === 'csrf_failed');
  h.sock(0).emit('close', { code: 1008, reason: '' });
  assert.equal(h.timers.length, 0);
  assert.deepEqual(h.statuses.at(-1), { state: 'closed' });
});

test('stream URLs switch the scheme and carry the CSRF token', () => {
  assert.equal(eventStreamUrl('https://h:8443/', 'a b'), 'wss://h:8443/api/v1/events/stream?csrf=a%20b');
  assert.equal(eventStreamUrl('http://h'), 'ws://h/api/v1/events/stream');
  assert.equal(backoffDelay({ initialMs: 100, maxMs: 1000, factor: 2 }, 1, () => 0), 100);
});
