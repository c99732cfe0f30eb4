/**
 * The byte pipe between a paired user socket and agent socket. Frames are forwarded as they are
 * (binary stays binary, text stays text) and counted. Backpressure per direction: bytes handed to
 * the receiving socket but not yet written to the kernel are counted; above `highWaterBytes` the
 * sending socket is paused (TCP then slows its peer), below `lowWaterBytes` it is resumed — so a
 * session holds at most about highWaterBytes + one frame per direction, whatever the speeds.
 *
 * When one end closes, the other is closed with the same code and reason (1000, 1001, 4000–4999;
 * anything else becomes 4001 peerGone). Keepalive: `ping()` pings both ends and terminates one
 * that did not answer the previous ping.
 */
import { RELAY_CLOSE_CODES, isRelayableCloseCode } from '@meshwork/protocol';
import WebSocket, { type RawData } from 'ws';

export interface PipeLimits {
  highWaterBytes: number;
  lowWaterBytes: number;
}
export const PIPE_LIMITS: PipeLimits = { highWaterBytes: 1024 * 1024, lowWaterBytes: 256 * 1024 };

export interface Frame {
  data: Buffer;
  isBinary: boolean;
}

export interface PipeTotals {
  bytesToDevice: number;
  bytesFromDevice: number;
  closeCode: number;
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

/** Closes a socket if it is open; a socket still connecting is terminated. */
export function closeSocket(ws: WebSocket, code: number, reason: string): void {
  if (ws.readyState === WebSocket.CLOSING || ws.readyState === WebSocket.CLOSED) return;
  try {
    ws.close(code, safeReason(reason));
  } catch {
    ws.terminate();
  }
  setTimeout(() => ws.terminate(), 2_000).unref();
}

/** One direction of the pipe. */
class Direction {
  bytes = 0;
  private inflight = 0;
  private paused = false;

  constructor(
    private readonly from: WebSocket,
    private readonly to: WebSocket,
    private readonly limits: PipeLimits,
  ) {}

  forward(data: Buffer, isBinary: boolean): void {
    if (this.to.readyState !== WebSocket.OPEN) return;
    const n = data.length;
    this.bytes += n;
    this.inflight += n;
    this.to.send(data, { binary: isBinary }, () => {
      this.inflight -= n;
      if (this.paused && this.inflight <= this.limits.lowWaterBytes) {
        this.paused = false;
        this.from.resume();
      }
    });
    if (!this.paused && this.inflight > this.limits.highWaterBytes) {
      this.paused = true;
      this.from.pause();
    }
  }

  /** Bytes handed to the receiving socket and not yet written (for tests and metrics). */
  get buffered(): number {
    return this.inflight;
  }
}

export class RelayPipe {
  readonly ended: Promise<PipeTotals>;
  private readonly up: Direction;
  private readonly down: Direction;
  private readonly alive = new Map<WebSocket, boolean>();
  private closeCode: number = RELAY_CLOSE_CODES.peerGone;

  constructor(
    readonly user: WebSocket,
    readonly agent: WebSocket,
    early: { user: Frame[]; agent: Frame[] },
    limits: PipeLimits = PIPE_LIMITS,
  ) {
    this.up = new Direction(user, agent, limits);
    this.down = new Direction(agent, user, limits);
    let closed = 0;
    this.ended = new Promise((resolve) => {
      const onClose = (self: WebSocket, other: WebSocket) => (code: number, reason: Buffer) => {
        if (closed === 0) {
          this.closeCode = code;
          const relayable = isRelayableCloseCode(code);
          closeSocket(other, relayable ? code : RELAY_CLOSE_CODES.peerGone, relayable ? reason.toString('utf8') : 'the other end disconnected');
        }
        closed++;
        self.removeAllListeners('message');
        if (closed === 2) resolve({ bytesToDevice: this.up.bytes, bytesFromDevice: this.down.bytes, closeCode: this.closeCode });
      };
      user.once('close', onClose(user, agent));
      agent.once('close', onClose(agent, user));
    });
    for (const f of early.user) this.up.forward(f.data, f.isBinary);
    for (const f of early.agent) this.down.forward(f.data, f.isBinary);
    user.on('message', (d: RawData, isBinary: boolean) => this.up.forward(toBuffer(d), isBinary));
    agent.on('message', (d: RawData, isBinary: boolean) => this.down.forward(toBuffer(d), isBinary));
    for (const ws of [user, agent]) {
      this.alive.set(ws, true);
      ws.on('pong', () => this.alive.set(ws, true));
      ws.resume();
    }
  }

  get bytesToDevice(): number {
    return this.up.bytes;
  }

  get bytesFromDevice(): number {
    return this.down.bytes;
  }

  /** Bytes waiting in the server, per direction. */
  get buffered(): { toDevice: number; fromDevice: number } {
    return { toDevice: this.up.buffered, fromDevice: this.down.buffered };
  }

  /** Keepalive tick. */
  ping(): void {
    for (const ws of [this.user, this.agent]) {
      if (ws.readyState !== WebSocket.OPEN) continue;
      if (!this.alive.get(ws)) {
        ws.terminate();
        continue;
      }
      this.alive.set(ws, false);
      try {
        ws.ping();
      } catch {
        ws.terminate();
      }
    }
  }

  /** Ends both sides with this code (server shutdown, revoked rights). */
  close(code: number, reason: string): void {
    closeSocket(this.user, code, reason);
    closeSocket(this.agent, code, reason);
  }
}
