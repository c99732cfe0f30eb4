/**
 * The live output of a run (`RUN_STREAM_PATH?id=…`) as an async iterable of parsed frames, ending
 * after `done`. A socket that drops before `done` is reopened with `after=<last seq>`, so nothing
 * is lost or repeated; after `maxReconnects` failed attempts in a row the iteration throws.
 */
import { RUN_STREAM_PATH, RunStreamFrame } from '@meshwork/protocol';
import { ApiClientError } from './errors.js';
import { backoffDelay, DEFAULT_BACKOFF, type WebSocketLike } from './stream.js';

export interface RunStreamOptions {
  /** Origin (and optional prefix) of the server, as for createClient. */
  baseUrl: string;
  runId: string;
  /** Opens a WebSocket to the URL (the browser's `new WebSocket(url)`, or `ws` with TLS options and a bearer token). */
  socket: (url: string) => WebSocketLike;
  /** Browser sessions: the CSRF token (sent as `csrf=`). */
  csrfToken?: string;
  maxReconnects?: number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  random?: () => number;
}

/** `https://h:p` + run id (+ last seq seen) → `wss://h:p/api/v1/runs/stream?id=…&after=…`. */
export function runStreamUrl(baseUrl: string, runId: string, after = 0, csrfToken?: string): string {
  const base = baseUrl.replace(/\/+$/, '').replace(/^http(s?):\/\//i, 'ws$1://');
  const q = `id=${encodeURIComponent(runId)}${after > 0 ? `&after=${after}` : ''}${csrfToken ? `&csrf=${encodeURIComponent(csrfToken)}` : ''}`;
  return `${base}${RUN_STREAM_PATH}?${q}`;
}

export interface RunStream extends AsyncIterable<RunStreamFrame> {
  close(): void;
}

export function openRunStream(o: RunStreamOptions): RunStream {
  const setTimer = o.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  const random = o.random ?? Math.random;
  const maxReconnects = o.maxReconnects ?? 5;
  const queue: RunStreamFrame[] = [];
  let waiter: { resolve: (r: IteratorResult<RunStreamFrame>) => void; reject: (e: unknown) => void } | null = null;
  let failure: ApiClientError | null = null;
  let ended = false;
  let lastSeq = 0;
  let greeted = false;
  let failures = 0;
  let socket: WebSocketLike | null = null;

  const wake = (): void => {
    if (!waiter) return;
    const w = waiter;
    if (queue.length > 0) {
      waiter = null;
      w.resolve({ value: queue.shift() as RunStreamFrame, done: false });
    } else if (failure) {
      waiter = null;
      w.reject(failure);
    } else if (ended) {
      waiter = null;
      w.resolve({ value: undefined, done: true });
    }
  };

  const stop = (err: ApiClientError | null): void => {
    if (ended) return;
    ended = true;
    failure = err;
    const s = socket;
    socket = null;
    s?.close(1000, 'client closed');
    wake();
  };

  const connect = (): void => {
    if (ended) return;
    const ws = o.socket(runStreamUrl(o.baseUrl, o.runId, lastSeq, o.csrfToken));
    socket = ws;
    ws.addEventListener('message', (ev) => {
      if (socket !== ws || typeof ev.data !== 'string') return;
      let json: unknown;
      try {
        json = JSON.parse(ev.data);
      } catch {
        return;
      }
      const parsed = RunStreamFrame.safeParse(json);
      if (!parsed.success) return;
      const f = parsed.data;
      if (f.type === 'error') return stop(new ApiClientError(0, f.code, f.message));
      if (f.type === 'hello') {
        failures = 0;
        if (greeted) return; // a reconnect: the caller has seen it
        greeted = true;
      }
      if ((f.type === 'output' || f.type === 'exit') && f.seq <= lastSeq) return;
      if (f.type === 'output' || f.type === 'exit') lastSeq = f.seq;
      queue.push(f);
      if (f.type === 'done') stop(null);
      wake();
    });
    ws.addEventListener('error', () => {
      // 'close' follows
    });
    ws.addEventListener('close', (ev) => {
      if (socket !== ws || ended) return;
      socket = null;
      failures++;
      if (failures > maxReconnects) return stop(new ApiClientError(0, 'network_error', `the run stream closed (${ev.code}) and could not be reopened`));
      setTimer(connect, backoffDelay(DEFAULT_BACKOFF, failures - 1, random));
    });
  };
  connect();

  return {
    close: () => stop(null),
    [Symbol.asyncIterator](): AsyncIterator<RunStreamFrame> {
      return {
        next: () =>
          new Promise<IteratorResult<RunStreamFrame>>((resolve, reject) => {
            if (waiter) return reject(new Error('run stream: next() called again before the previous call resolved'));
            waiter = { resolve, reject };
            wake();
          }),
        return: () => {
          stop(null);
          return Promise.resolve({ value: undefined, done: true });
        },
      };
    },
  };
}
