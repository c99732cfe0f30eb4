/**
 * The byte pipe between a paired user end and agent end (end.ts: a WebSocket here, or one spliced
 * from another worker). Frames are forwarded as they are
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
import type { PipeEnd } from './end.js';

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

/** One direction of the pipe. */
class Direction {
  bytes = 0;
  private inflight = 0;
  private paused = false;

  constructor(
    private readonly from: PipeEnd,
    private readonly to: PipeEnd,
    private readonly limits: PipeLimits,
  ) {}

  forward(data: Buffer, isBinary: boolean): void {
    if (!this.to.isOpen) return;
    const n = data.length;
    this.bytes += n;
    this.inflight += n;
    this.to.send(data, isBinary, () => {
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

  /** Bytes handed to the receiving end and not yet written (for tests and metrics). */
  get buffered(): number {
    return this.inflight;
  }
}

export class RelayPipe {
  readonly ended: Promise<PipeTotals>;
  private readonly up: Direction;
  private readonly down: Direction;
  private closeCode: number = RELAY_CLOSE_CODES.peerGone;

  constructor(
    readonly user: PipeEnd,
    readonly agent: PipeEnd,
    early: { user: Frame[]; agent: Frame[] },
    limits: PipeLimits = PIPE_LIMITS,
  ) {
    this.up = new Direction(user, agent, limits);
    this.down = new Direction(agent, user, limits);
    let closed = 0;
    this.ended = new Promise((resolve) => {
      const onClose = (self: PipeEnd, other: PipeEnd) => (code: number, reason: string) => {
        if (closed === 0) {
          this.closeCode = code;
          const relayable = isRelayableCloseCode(code);
          other.close(relayable ? code : RELAY_CLOSE_CODES.peerGone, relayable ? reason : 'the other end disconnected');
        }
        closed++;
        self.onMessage(null);
        if (closed === 2) resolve({ bytesToDevice: this.up.bytes, bytesFromDevice: this.down.bytes, closeCode: this.closeCode });
      };
      user.onClose(onClose(user, agent));
      agent.onClose(onClose(agent, user));
    });
    for (const f of early.user) this.up.forward(f.data, f.isBinary);
    for (const f of early.agent) this.down.forward(f.data, f.isBinary);
    user.onMessage((d, isBinary) => this.up.forward(d, isBinary));
    agent.onMessage((d, isBinary) => this.down.forward(d, isBinary));
    user.resume();
    agent.resume();
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
    this.user.ping();
    this.agent.ping();
  }

  /** Ends both sides with this code (server shutdown, revoked rights). */
  close(code: number, reason: string): void {
    this.user.close(code, reason);
    this.agent.close(code, reason);
  }
}
