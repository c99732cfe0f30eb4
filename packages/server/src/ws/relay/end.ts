/**
 * One end of a relay session as the pipe sees it: a WebSocket in this process (`wsEnd`), or a
 * socket that landed on another worker and is spliced to this one (splice.ts `SpliceEnd`). The
 * pipe only needs to send with a completion callback, pause and resume reading, hear messages and
 * the close, close with a code, and keep the end alive.
 */
import WebSocket, { type RawData } from 'ws';

export interface PipeEnd {
  readonly isOpen: boolean;
  /** `done` runs once the bytes left this process (backpressure accounting). */
  send(data: Buffer, isBinary: boolean, done: () => void): void;
  pause(): void;
  resume(): void;
  /** Replaces any earlier message listener. */
  onMessage(fn: ((data: Buffer, isBinary: boolean) => void) | null): void;
  /** Replaces any earlier close listener; called once. */
  onClose(fn: ((code: number, reason: string) => void) | null): void;
  close(code: number, reason: string): void;
  /** Keepalive tick: ends an end that did not answer the previous one. */
  ping(): void;
}

export const toBuffer = (data: RawData): Buffer => (Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data));

/** A printable, ≤ 120-byte close reason. */
export function safeReason(reason: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = reason.replace(/[\u0000-\u001f\u007f]/g, ' ');
  let out = clean.slice(0, 120);
  while (Buffer.byteLength(out) > 120) out = out.slice(0, -1);
  return out;
}

/** Closes a socket if it is open; one that does not finish the close handshake is terminated. */
export function closeSocket(ws: WebSocket, code: number, reason: string): void {
  if (ws.readyState === WebSocket.CLOSING || ws.readyState === WebSocket.CLOSED) return;
  try {
    ws.close(code, safeReason(reason));
  } catch {
    ws.terminate();
  }
  setTimeout(() => ws.terminate(), 2_000).unref();
}

/** A WebSocket accepted by this process. */
export function wsEnd(ws: WebSocket): PipeEnd {
  let message: ((data: Buffer, isBinary: boolean) => void) | null = null;
  let closed: ((code: number, reason: string) => void) | null = null;
  let alive = true;
  ws.on('message', (d: RawData, isBinary: boolean) => message?.(toBuffer(d), isBinary));
  ws.once('close', (code: number, reason: Buffer) => closed?.(code, reason.toString('utf8')));
  ws.on('pong', () => (alive = true));
  return {
    get isOpen() {
      return ws.readyState === WebSocket.OPEN;
    },
    send: (data, isBinary, done) => ws.send(data, { binary: isBinary }, () => done()),
    pause: () => ws.pause(),
    resume: () => ws.resume(),
    onMessage: (fn) => void (message = fn),
    onClose: (fn) => void (closed = fn),
    close: (code, reason) => closeSocket(ws, code, reason),
    ping() {
      if (ws.readyState !== WebSocket.OPEN) return;
      if (!alive) return ws.terminate();
      alive = false;
      try {
        ws.ping();
      } catch {
        ws.terminate();
      }
    },
  };
}
