/**
 * The browser event stream as an async iterable of parsed frames, reconnecting with exponential
 * backoff (and jitter) when the socket drops. Takes the WebSocket constructor so it runs in a
 * browser (the global) or in Node (`ws`, possibly subclassed to pass TLS options).
 */
import { EVENT_STREAM_PATH, StreamServerFrame } from '@meshwork/protocol';
import { ApiClientError } from './errors.js';
import { FrameQueue, messageJson } from './frame-queue.js';

/** What the stream needs of a WebSocket; the browser's and `ws`'s both satisfy it. */
export interface WebSocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (ev: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (ev: { code: number; reason: string }) => void): void;
}
export type WebSocketCtor = new (url: string) => WebSocketLike;

export type StreamStatus =
  | { state: 'connecting'; attempt: number }
  | { state: 'open' }
  | { state: 'waiting'; delayMs: number; closeCode: number }
  | { state: 'closed' };

export interface Backoff {
  initialMs: number;
  maxMs: number;
  factor: number;
}
export const DEFAULT_BACKOFF: Backoff = { initialMs: 500, maxMs: 30_000, factor: 2 };

export interface EventStreamOptions {
  /** `ws(s)://…/api/v1/events/stream…`; see eventStreamUrl. */
  url: string;
  WebSocket: WebSocketCtor;
  backoff?: Partial<Backoff>;
  onStatus?: (s: StreamStatus) => void;
  /** Injectable for tests. */
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  random?: () => number;
}

/** Error frames after which reconnecting cannot help: the iteration ends by throwing. */
const FATAL_CODES = new Set([
  'unauthenticated',
  'session_expired',
  'token_invalid',
  'token_expired',
  'csrf_failed',
  'origin_rejected',
  'forbidden',
  'account_disabled',
]);

/** The stream URL for a server base URL (`https://h:p` → `wss://h:p/api/v1/events/stream?csrf=…`). */
export function eventStreamUrl(baseUrl: string, csrfToken?: string): string {
  const base = baseUrl.replace(/\/+$/, '').replace(/^http(s?):\/\//i, 'ws$1://');
  return base + EVENT_STREAM_PATH + (csrfToken ? `?csrf=${encodeURIComponent(csrfToken)}` : '');
}

/** Delay before reconnect attempt `attempt` (0-based): exponential, capped, with 50–100 % jitter. */
export function backoffDelay(b: Backoff, attempt: number, random: () => number): number {
  const raw = Math.min(b.maxMs, b.initialMs * b.factor ** attempt);
  return Math.round(raw * (0.5 + random() / 2));
}

export interface EventStream extends AsyncIterable<StreamServerFrame> {
  close(): void;
}

export function openEventStream(opts: EventStreamOptions): EventStream {
  const backoff: Backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
  const setTimer = opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  const clearTimer = opts.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
  const random = opts.random ?? Math.random;
  let attempt = 0;
  let socket: WebSocketLike | null = null;
  let timer: unknown = null;

  const status = (s: StreamStatus): void => opts.onStatus?.(s);

  const stop = (err: ApiClientError | null): void => {
    if (queue.ended) return;
    if (timer !== null) clearTimer(timer);
    timer = null;
    const s = socket;
    socket = null;
    s?.close(1000, 'client closed');
    status({ state: 'closed' });
    queue.end(err);
  };
  const queue = new FrameQueue<StreamServerFrame>('event stream', () => stop(null));

  const connect = (): void => {
    timer = null;
    if (queue.ended) return;
    status({ state: 'connecting', attempt });
    const ws = new opts.WebSocket(opts.url);
    socket = ws;
    ws.addEventListener('open', () => {
      if (socket === ws) status({ state: 'open' });
    });
    ws.addEventListener('message', (ev) => {
      if (socket !== ws) return;
      const frame = StreamServerFrame.safeParse(messageJson(ev.data));
      if (!frame.success) return;
      if (frame.data.type === 'hello') attempt = 0;
      if (frame.data.type === 'error' && FATAL_CODES.has(frame.data.code)) {
        stop(new ApiClientError(0, frame.data.code, frame.data.message));
        return;
      }
      queue.push(frame.data);
    });
    ws.addEventListener('error', () => {
      // a 'close' always follows; reconnecting happens there
    });
    ws.addEventListener('close', (ev) => {
      if (socket !== ws || queue.ended) return;
      socket = null;
      const delayMs = backoffDelay(backoff, attempt, random);
      attempt += 1;
      status({ state: 'waiting', delayMs, closeCode: ev.code });
      timer = setTimer(connect, delayMs);
    });
  };

  connect();

  return {
    close: () => stop(null),
    [Symbol.asyncIterator]: () => queue[Symbol.asyncIterator](),
  };
}
