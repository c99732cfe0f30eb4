/**
 * The async-iterator half shared by the client's streams (event stream, run stream): frames
 * queue until the caller asks for them; the iteration ends cleanly or with the stream's error.
 * One `next()` at a time, like any `for await` loop.
 */
import type { ApiClientError } from './errors.js';

export class FrameQueue<T> implements AsyncIterable<T> {
  private readonly frames: T[] = [];
  private waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | null = null;
  private failure: ApiClientError | null = null;
  private over = false;

  constructor(
    private readonly name: string,
    /** Called when the caller stops iterating early (`break`, `return`). */
    private readonly onReturn: () => void,
  ) {}

  get ended(): boolean {
    return this.over;
  }

  push(frame: T): void {
    if (this.over) return;
    this.frames.push(frame);
    this.wake();
  }

  /** No more frames: the iteration ends after the queued ones, or throws `err` once they are read. */
  end(err: ApiClientError | null = null): void {
    if (this.over) return;
    this.over = true;
    this.failure = err;
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    if (!w) return;
    if (this.frames.length > 0) {
      this.waiter = null;
      w.resolve({ value: this.frames.shift() as T, done: false });
    } else if (this.failure) {
      this.waiter = null;
      w.reject(this.failure);
    } else if (this.over) {
      this.waiter = null;
      w.resolve({ value: undefined, done: true });
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () =>
        new Promise<IteratorResult<T>>((resolve, reject) => {
          if (this.waiter) return reject(new Error(`${this.name}: next() called again before the previous call resolved`));
          this.waiter = { resolve, reject };
          this.wake();
        }),
      return: () => {
        this.onReturn();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

/** A text WebSocket message as JSON, or undefined (binary, or not JSON). */
export function messageJson(data: unknown): unknown {
  if (typeof data !== 'string') return undefined;
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}
