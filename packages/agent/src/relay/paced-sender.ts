/**
 * Sends a local source's bytes (pty output, a TCP socket) into a relay socket without letting
 * them pile up: bytes handed to the WebSocket but not yet written to the kernel are counted;
 * above `high` the source is paused, at or below `low` it is resumed. Data is cut into frames of
 * at most RELAY_CHUNK bytes.
 */
import { WebSocket, type RawData } from '../connection/ws.js';
import { RELAY_CHUNK } from '@meshwork/protocol/relay/index';
import { parseBoundedJson } from '@meshwork/protocol/json/bounded';

export interface PacedSenderOptions {
  pause(): void;
  resume(): void;
  high?: number;
  low?: number;
}

export class PacedSender {
  private inflight = 0;
  private paused = false;
  private readonly high: number;
  private readonly low: number;
  /** Bytes sent so far. */
  bytes = 0;

  constructor(
    private readonly ws: WebSocket,
    private readonly o: PacedSenderOptions,
  ) {
    this.high = o.high ?? 1024 * 1024;
    this.low = o.low ?? 256 * 1024;
  }

  send(data: Buffer): void {
    for (let off = 0; off < data.length; off += RELAY_CHUNK) this.frame(data.subarray(off, off + RELAY_CHUNK));
  }

  /** A JSON control message (text frame). */
  control(message: unknown): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  get buffered(): number {
    return this.inflight;
  }

  private frame(chunk: Buffer): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    const n = chunk.length;
    this.inflight += n;
    this.bytes += n;
    this.ws.send(chunk, { binary: true }, () => {
      this.inflight -= n;
      if (this.paused && this.inflight <= this.low) {
        this.paused = false;
        this.o.resume();
      }
    });
    if (!this.paused && this.inflight > this.high) {
      this.paused = true;
      this.o.pause();
    }
  }
}

export const rawToBuffer = (data: RawData): Buffer =>
  Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);

/** Parses a text frame as JSON; undefined when it is not JSON or nests too deep (protocol json/bounded). */
export function parseText(data: RawData): unknown {
  try {
    return parseBoundedJson(rawToBuffer(data).toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Resolves when the socket has closed. */
export const closed = (ws: WebSocket): Promise<void> =>
  ws.readyState === WebSocket.CLOSED ? Promise.resolve() : new Promise((resolve) => ws.once('close', () => resolve()));
