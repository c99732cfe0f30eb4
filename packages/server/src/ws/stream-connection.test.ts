/** StreamConnection's bounds, driven through a fake socket (no network, no clocks). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type WebSocket from 'ws';
import type { UserRecord } from '@meshwork/store';
import type { System } from '../system.js';
import { StreamConnection, type StreamLimits } from './stream-connection.js';

class FakeSocket extends EventEmitter {
  readyState = 1; // OPEN
  bufferedAmount = 0;
  sent: string[] = [];
  closes: Array<[number, string]> = [];
  terminated = false;
  send(data: string): void {
    this.sent.push(data);
  }
  close(code: number, reason: string): void {
    this.closes.push([code, reason]);
    this.readyState = 2; // CLOSING
  }
  terminate(): void {
    this.terminated = true;
  }
}

const LIMITS: StreamLimits = { maxBufferedBytes: 1000, maxQueued: 5, maxBadFrames: 3, maxFramesPerInterval: 4 };
const user = { id: 'user-0001', disabled: false } as UserRecord;

/** A System whose store/authz answers are controlled by the test (`hang` never resolves). */
function fakeSys(hang = false): System {
  const wait = <T>(v: T): Promise<T> => (hang ? new Promise<T>(() => {}) : Promise.resolve(v));
  return {
    now: () => 0,
    log: { error: () => {}, debug: () => {}, warn: () => {} },
    store: { getSession: () => wait(null), getApiToken: () => wait(null), getUser: () => wait(user) },
    authz: { eventAudience: () => wait(undefined), visibleGroupIds: () => wait(undefined) },
  } as unknown as System;
}

const connect = (sys: System, ws: FakeSocket, limits = LIMITS): StreamConnection =>
  new StreamConnection(sys, ws as unknown as WebSocket, { user, via: 'local' }, limits);

describe('stream connection bounds', () => {
  it('drops a socket whose send buffer is over the limit with 1013 instead of buffering more', () => {
    const ws = new FakeSocket();
    ws.bufferedAmount = 5000;
    connect(fakeSys(), ws);
    assert.deepEqual(ws.sent, []);
    assert.deepEqual(ws.closes, [[1013, 'too far behind']]);
  });

  it('drops a socket whose delivery queue is full with 1013', () => {
    const ws = new FakeSocket();
    const conn = connect(fakeSys(true), ws);
    const e = { id: 'e0000001', time: 0, type: 't', message: 'm', actorId: null, deviceId: null, groupId: null, data: {}, visibleTo: ['*'], expiresAt: 1 };
    for (let i = 0; i < LIMITS.maxQueued; i++) conn.deliverEvent(e, false);
    assert.deepEqual(ws.closes, []);
    conn.deliverEvent(e, false);
    assert.deepEqual(ws.closes, [[1013, 'too far behind']]);
  });

  it('closes with 1008 when a client sends more frames per interval than allowed; tick resets the count', () => {
    const ws = new FakeSocket();
    const conn = connect(fakeSys(), ws);
    const ping = Buffer.from(JSON.stringify({ type: 'ping', id: 1 }));
    for (let i = 0; i < LIMITS.maxFramesPerInterval; i++) ws.emit('message', ping, false);
    conn.tick();
    for (let i = 0; i < LIMITS.maxFramesPerInterval; i++) ws.emit('message', ping, false);
    assert.deepEqual(ws.closes, []);
    ws.emit('message', ping, false);
    assert.deepEqual(ws.closes, [[1008, 'too many frames']]);
  });

  it('marks the socket alive on any frame or pong', () => {
    const ws = new FakeSocket();
    const conn = connect(fakeSys(), ws);
    conn.alive = false;
    ws.emit('pong');
    assert.equal(conn.alive, true);
    conn.alive = false;
    ws.emit('message', Buffer.from('{}'), false);
    assert.equal(conn.alive, true);
  });
});
