/**
 * Splicing relay ends between worker processes. With several workers, the user's and the agent's
 * relay sockets land on whichever worker the kernel picked, but the session's record lives on the
 * worker that created it (its slot is the first character of both secrets, registry.ts). A worker
 * holding a socket for another worker's session keeps the TLS WebSocket and forwards its frames to
 * the owner over a Unix socket; the owner claims the secret and pipes it like a local end.
 *
 * Wire format on the Unix socket: frames of `[type u8][length u32 BE][payload]`.
 *   0x03 challenge  forwarder → owner   nonceF             } the mutual proof of the cluster key
 *   0x04 owner      owner → forwarder   nonceO ‖ MAC       } (splice-auth.ts), before anything else;
 *   0x05 proof      forwarder → owner   MAC                } a failed proof drops the connection
 *   0x01 hello      forwarder → owner, JSON SpliceHello     0x02 answer  owner → forwarder, JSON SpliceAnswer
 *   0x10 text    data frame                                0x11 binary  data frame
 *   0x20 close   u16 close code + UTF-8 reason
 * Backpressure is TCP-like on both sides: the Unix socket's write callbacks count as "sent", and a
 * paused reader stops reading the socket. Who may connect: splice-auth.ts (a private directory
 * made fresh by the primary, and the key); a connector still has to present a valid, unclaimed secret.
 */
import { rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { ErrorCode } from '@meshwork/protocol';
import { RELAY_CLOSE_CODES, RELAY_MAX_FRAME } from '@meshwork/protocol';
import type { RelayEnd } from '../../domain/relay/registry.js';
import { safeReason, type PipeEnd } from './end.js';
import { assertPrivateDir, checkOwnerProof, newNonce, ownerProof, spliceProof, SPLICE_NONCE_BYTES, validProof, type SpliceConfig } from './splice-auth.js';

const HELLO = 0x01;
const ANSWER = 0x02;
const CHALLENGE = 0x03;
const OWNER_PROOF = 0x04;
const PROOF = 0x05;
const TEXT = 0x10;
const BINARY = 0x11;
const CLOSE = 0x20;
const MAX_PAYLOAD = RELAY_MAX_FRAME + 64;
/** The key proof and the hello must be done within this time, or the connection is dropped. */
const HANDSHAKE_MS = 5_000;

/** What the forwarding worker tells the owner about the socket it holds. */
export interface SpliceHello {
  end: RelayEnd;
  secret: string;
  /** User end: who authenticated, and how (the owner re-reads and re-checks them). */
  userId?: string;
  via?: 'session' | 'token';
  sessionId?: string;
  tokenId?: string;
}
export type SpliceAnswer = { ok: true } | { ok: false; code: ErrorCode; message?: string };

export const splicePath = (dir: string, slot: number): string => join(dir, `w${slot}.sock`);

function head(type: number, length: number): Buffer {
  const h = Buffer.allocUnsafe(5);
  h[0] = type;
  h.writeUInt32BE(length, 1);
  return h;
}

/** A small frame in one buffer (hello, answer, close). */
const frame = (type: number, payload: Buffer): Buffer => Buffer.concat([head(type, payload.length), payload]);

/** Writes a data frame without copying its payload (header and payload go out in one writev). */
function writeFrame(socket: Socket, type: number, payload: Buffer, done?: () => void): boolean {
  socket.cork();
  socket.write(head(type, payload.length));
  const ok = socket.write(payload, done && (() => done()));
  socket.uncork();
  return ok;
}

const closeFrame = (code: number, reason: string): Buffer => {
  const r = Buffer.from(safeReason(reason), 'utf8');
  const p = Buffer.allocUnsafe(2 + r.length);
  p.writeUInt16BE(code, 0);
  r.copy(p, 2);
  return frame(CLOSE, p);
};

/**
 * Splits a byte stream into frames; a frame over MAX_PAYLOAD is a protocol error (null). Chunks
 * are kept as they came and joined once per frame that spans several (one copy, not one per chunk).
 */
export class Decoder {
  private chunks: Buffer[] = [];
  private length = 0;
  push(chunk: Buffer): { type: number; payload: Buffer }[] | null {
    this.chunks.push(chunk);
    this.length += chunk.length;
    const out: { type: number; payload: Buffer }[] = [];
    while (this.length >= 5) {
      let first = this.chunks[0]!;
      if (first.length < 5) first = this.join(5);
      const len = first.readUInt32BE(1);
      if (len > MAX_PAYLOAD) return null;
      if (this.length < 5 + len) break;
      if (first.length < 5 + len) first = this.join(5 + len);
      out.push({ type: first[0]!, payload: first.subarray(5, 5 + len) });
      if (first.length === 5 + len) this.chunks.shift();
      else this.chunks[0] = first.subarray(5 + len);
      this.length -= 5 + len;
    }
    return out;
  }

  /** Makes the first chunk at least `n` bytes long by joining the chunks it needs. */
  private join(n: number): Buffer {
    let k = 0;
    for (let have = 0; have < n; k++) have += this.chunks[k]!.length;
    const joined = Buffer.concat(this.chunks.slice(0, k));
    this.chunks.splice(0, k, joined);
    return joined;
  }
}

/** A socket spliced in from another worker, seen by the owner's pipe as one more end. */
class SpliceEnd implements PipeEnd {
  private message: ((data: Buffer, isBinary: boolean) => void) | null = null;
  private closed: ((code: number, reason: string) => void) | null = null;
  private done = false;
  private sentClose = false;

  constructor(private readonly socket: Socket) {}

  get isOpen(): boolean {
    return !this.done && !this.sentClose && this.socket.writable;
  }

  deliver(type: number, payload: Buffer): void {
    if (type === TEXT || type === BINARY) this.message?.(payload, type === BINARY);
    else if (type === CLOSE && payload.length >= 2) this.finish(payload.readUInt16BE(0), payload.subarray(2).toString('utf8'));
    else this.finish(RELAY_CLOSE_CODES.peerGone, 'splice protocol error');
  }

  finish(code: number, reason: string): void {
    if (this.done) return;
    this.done = true;
    if (!this.sentClose) this.close(code, reason);
    this.closed?.(code, reason);
  }

  send(data: Buffer, isBinary: boolean, done: () => void): void {
    writeFrame(this.socket, isBinary ? BINARY : TEXT, data, done);
  }
  pause(): void {
    this.socket.pause();
  }
  resume(): void {
    this.socket.resume();
  }
  onMessage(fn: ((data: Buffer, isBinary: boolean) => void) | null): void {
    this.message = fn;
  }
  onClose(fn: ((code: number, reason: string) => void) | null): void {
    this.closed = fn;
  }
  close(code: number, reason: string): void {
    if (this.sentClose) return;
    this.sentClose = true;
    if (this.socket.writable) this.socket.end(closeFrame(code, reason));
    setTimeout(() => this.socket.destroy(), 2_000).unref();
  }
  /** The forwarding worker keeps its WebSocket alive; a dead Unix socket closes on its own. */
  ping(): void {}
}

/**
 * The owner's side: listens on `splicePath(dir, slot)` in the primary's private directory (checked
 * again here). A connector must prove the cluster key first; `admit` then claims the secret and
 * answers; on success `accepted` receives the end to pair. `refused` hears of connections dropped
 * for failing the proof (or for saying anything before it).
 */
export async function listenSplice(
  splice: SpliceConfig,
  slot: number,
  admit: (hello: SpliceHello) => Promise<SpliceAnswer>,
  accepted: (hello: SpliceHello, end: PipeEnd) => void,
  refused: (why: string) => void = () => undefined,
): Promise<Server> {
  assertPrivateDir(splice.dir);
  const path = splicePath(splice.dir, slot);
  rmSync(path, { force: true });
  const server = createServer((socket) => {
    socket.on('error', () => socket.destroy());
    const decoder = new Decoder();
    const nonceO = newNonce();
    let nonceF: Buffer | null = null;
    let proven = false;
    let end: SpliceEnd | null = null;
    let hello: SpliceHello | null = null;
    const handshake = setTimeout(() => drop('no proof of the cluster key in time'), HANDSHAKE_MS);
    handshake.unref();
    socket.once('close', () => clearTimeout(handshake));
    function drop(why: string): void {
      refused(why);
      socket.destroy();
    }
    socket.on('data', (chunk: Buffer) => {
      const frames = decoder.push(chunk);
      if (!frames) return void (end ? end.finish(RELAY_CLOSE_CODES.peerGone, 'splice protocol error') : drop('oversized frame'));
      for (const f of frames) {
        if (end) end.deliver(f.type, f.payload);
        else if (!nonceF) {
          if (f.type !== CHALLENGE || f.payload.length !== SPLICE_NONCE_BYTES) return drop('no key challenge');
          nonceF = Buffer.from(f.payload);
          socket.write(frame(OWNER_PROOF, ownerProof(splice.key, nonceF, nonceO)));
        } else if (!proven) {
          if (f.type !== PROOF || !validProof(splice.key, 'forwarder', nonceF, nonceO, f.payload)) return drop('wrong proof of the cluster key');
          proven = true;
        } else if (!hello && f.type === HELLO) {
          clearTimeout(handshake);
          hello = parseHello(f.payload);
          if (!hello) return void socket.destroy();
          socket.pause();
          const h = hello;
          void admit(h).then(
            (answer) => {
              if (socket.destroyed) return;
              socket.write(frame(ANSWER, Buffer.from(JSON.stringify(answer))));
              if (!answer.ok) return void socket.end();
              end = new SpliceEnd(socket);
              socket.once('close', () => end?.finish(RELAY_CLOSE_CODES.peerGone, 'the other worker went away'));
              accepted(h, end);
              socket.resume();
            },
            () => socket.destroy(),
          );
        } else return void socket.destroy();
      }
    });
  });
  server.once('close', () => rmSync(path, { force: true }));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

function parseHello(p: Buffer): SpliceHello | null {
  try {
    const h = JSON.parse(p.toString('utf8')) as SpliceHello;
    if ((h.end !== 'user' && h.end !== 'agent') || typeof h.secret !== 'string') return null;
    return h;
  } catch {
    return null;
  }
}

/** A forwarder's connection to the owner, after the owner admitted it. */
export interface SpliceLink {
  /** Bridges a local end (the WebSocket this worker accepted) to the owner until either closes. */
  bridge(local: PipeEnd, limits: { highWaterBytes: number; lowWaterBytes: number }): void;
  /** Gives up before bridging (the local upgrade failed). */
  abort(): void;
}

/**
 * Connects to the owner, checks that it holds the cluster key, proves that this worker does, and
 * only then asks it to admit an end; resolves with its answer. A listener that fails the proof
 * never sees the hello (the session's secret, the user) nor any relay byte: `unavailable`.
 */
export function connectSplice(splice: SpliceConfig, slot: number, hello: SpliceHello): Promise<{ answer: SpliceAnswer; link: SpliceLink | null }> {
  return new Promise((resolve) => {
    const socket = createConnection(splicePath(splice.dir, slot));
    const decoder = new Decoder();
    const nonceF = newNonce();
    const handshake = setTimeout(() => socket.destroy(), HANDSHAKE_MS);
    handshake.unref();
    let proven = false;
    let answered = false;
    let local: PipeEnd | null = null;
    let inflight = 0;
    let paused = false;
    let limits = { highWaterBytes: 0, lowWaterBytes: 0 };
    let ended = false;
    const fail = (): void => {
      if (!answered) {
        answered = true;
        resolve({ answer: { ok: false, code: 'unavailable', message: 'The worker holding this session is not reachable.' }, link: null });
      }
    };
    let pendingClose: { code: number; reason: string } | null = null;
    const endLocal = (code: number, reason: string): void => {
      if (ended) return;
      if (!local) return void (pendingClose ??= { code, reason });
      ended = true;
      local.close(code, reason);
    };
    socket.on('error', fail);
    socket.on('close', () => {
      clearTimeout(handshake);
      if (answered) endLocal(RELAY_CLOSE_CODES.peerGone, 'the other worker went away');
      else fail();
    });
    socket.on('connect', () => socket.write(frame(CHALLENGE, nonceF)));
    socket.on('data', (chunk: Buffer) => {
      const frames = decoder.push(chunk);
      if (!frames) return void socket.destroy();
      for (const f of frames) {
        if (!proven) {
          const nonceO = f.type === OWNER_PROOF ? checkOwnerProof(splice.key, nonceF, f.payload) : null;
          if (!nonceO) return void socket.destroy();
          proven = true;
          clearTimeout(handshake);
          socket.cork();
          socket.write(frame(PROOF, spliceProof(splice.key, 'forwarder', nonceF, nonceO)));
          socket.write(frame(HELLO, Buffer.from(JSON.stringify(hello))));
          socket.uncork();
        } else if (!answered) {
          if (f.type !== ANSWER) return void socket.destroy();
          answered = true;
          let answer: SpliceAnswer;
          try {
            answer = JSON.parse(f.payload.toString('utf8')) as SpliceAnswer;
          } catch {
            answer = { ok: false, code: 'internal' };
          }
          if (!answer.ok) {
            socket.destroy();
            return resolve({ answer, link: null });
          }
          socket.pause(); // until bridged: the owner's frames wait in the kernel
          resolve({ answer, link: { bridge, abort: () => socket.destroy() } });
        } else if (!local) {
          early.push(f); // arrived with the answer, before the bridge: delivered by bridge()
        } else deliver(f);
      }
    });

    const early: { type: number; payload: Buffer }[] = [];
    function deliver(f: { type: number; payload: Buffer }): void {
      if (!local) return;
      if (f.type === TEXT || f.type === BINARY) {
        if (!local.isOpen) return;
        const n = f.payload.length;
        inflight += n;
        local.send(f.payload, f.type === BINARY, () => {
          inflight -= n;
          if (paused && inflight <= limits.lowWaterBytes) {
            paused = false;
            socket.resume();
          }
        });
        if (!paused && inflight > limits.highWaterBytes) {
          paused = true;
          socket.pause();
        }
      } else if (f.type === CLOSE && f.payload.length >= 2) {
        endLocal(f.payload.readUInt16BE(0), f.payload.subarray(2).toString('utf8'));
      }
    }

    function bridge(end: PipeEnd, l: { highWaterBytes: number; lowWaterBytes: number }): void {
      local = end;
      limits = l;
      end.onMessage((data, isBinary) => {
        if (!writeFrame(socket, isBinary ? BINARY : TEXT, data)) {
          end.pause();
          socket.once('drain', () => end.resume());
        }
      });
      end.onClose((code, reason) => {
        ended = true;
        if (socket.writable) socket.end(closeFrame(code, reason));
        setTimeout(() => socket.destroy(), 2_000).unref();
      });
      for (const f of early.splice(0)) deliver(f);
      if (pendingClose) return endLocal(pendingClose.code, pendingClose.reason);
      end.resume();
      if (!paused) socket.resume();
    }
  });
}
