/**
 * The handshake rate, applied to agents after TLS: an upgrade to the agent endpoint proceeds when
 * the token bucket has a token; otherwise it waits here (FIFO, one timer for all) instead of being
 * refused. A waiting agent still counts as in progress for the accept queue (tls-admission.ts), so
 * at most `maxPendingHandshakes` wait. One that gets no token within `maxWaitMs` is answered with
 * HTTP 503 — it could not finish its handshake within the agent's limit any more.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { TokenBucket } from './admission.js';

export interface WaitingUpgrade {
  req: IncomingMessage;
  socket: Duplex;
  head: Buffer;
}

export interface RateWaitOptions {
  rate: number;
  burst: number;
  maxWaitMs: number;
  clock: () => number;
  /** A token is there: go on with the upgrade. */
  proceed(w: WaitingUpgrade): void;
  /** Waited too long: refuse it. */
  expired(w: WaitingUpgrade): void;
  /** Some waiting upgrades left (proceeded, expired or gone). */
  released(): void;
}

const ignore = (): void => undefined;

export class RateWait {
  private readonly bucket: TokenBucket;
  private queue: Array<WaitingUpgrade & { at: number }> = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly o: RateWaitOptions) {
    this.bucket = new TokenBucket(o.rate, o.burst, o.clock);
  }

  get size(): number {
    return this.queue.length - this.head;
  }

  /** Proceeds at once when nobody waits and a token is there; queues the upgrade otherwise. */
  offer(w: WaitingUpgrade): void {
    if (this.size === 0 && this.bucket.take()) return this.o.proceed(w);
    w.socket.on('error', ignore); // nobody else listens until ws takes the socket
    this.queue.push({ ...w, at: this.o.clock() });
    this.drain();
  }

  /** Hands every waiting upgrade to `refuse` and stops. */
  close(refuse: (w: WaitingUpgrade) => void): void {
    clearTimeout(this.timer);
    const left = this.queue.slice(this.head);
    this.queue = [];
    this.head = 0;
    for (const w of left) if (!w.socket.destroyed) refuse(w);
  }

  private drain(): void {
    let released = false;
    while (this.head < this.queue.length) {
      const w = this.queue[this.head] as WaitingUpgrade & { at: number };
      const gone = w.socket.destroyed;
      const expired = !gone && this.o.clock() - w.at > this.o.maxWaitMs;
      if (!gone && !expired && !this.bucket.take()) {
        // Come back when the next token is there.
        this.timer ??= setTimeout(() => {
          this.timer = undefined;
          this.drain();
        }, Math.max(1, Math.ceil(1000 / this.o.rate)));
        break;
      }
      this.head++;
      released = true;
      w.socket.off('error', ignore);
      if (expired) this.o.expired(w);
      else if (!gone) this.o.proceed(w);
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (released) this.o.released();
  }
}
