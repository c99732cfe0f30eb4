/**
 * The live output of a run (`RUN_STREAM_PATH?id=…`) as an async iterable of parsed frames, ending
 * after `done`. A socket that drops before `done` is reopened with `after=<last seq>`, so nothing
 * is lost or repeated; after `maxReconnects` failed attempts in a row the iteration throws.
 */
import { RUN_STREAM_PATH, RunStreamFrame } from '@meshwork/protocol';
import { ApiClientError } from './errors.js';
import { FrameQueue, messageJson } from './frame-queue.js';
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
  let lastSeq = 0;
  let greeted = false;
  let failures = 0;
  let socket: WebSocketLike | null = null;

  const stop = (err: ApiClientError | null): void => {
    if (queue.ended) return;
    const s = socket;
    socket = null;
    s?.close(1000, 'client closed');
    queue.end(err);
  };
  const queue = new FrameQueue<RunStreamFrame>('run stream', () => stop(null));

  const connect = (): void => {
    if (queue.ended) return;
    const ws = o.socket(runStreamUrl(o.baseUrl, o.runId, lastSeq, o.csrfToken));
    socket = ws;
    ws.addEventListener('message', (ev) => {
      if (socket !== ws) return;
      const parsed = RunStreamFrame.safeParse(messageJson(ev.data));
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
    });
    ws.addEventListener('error', () => {
      // 'close' follows
    });
    ws.addEventListener('close', (ev) => {
      if (socket !== ws || queue.ended) return;
      socket = null;
      failures++;
      if (failures > maxReconnects) return stop(new ApiClientError(0, 'network_error', `the run stream closed (${ev.code}) and could not be reopened`));
      setTimer(connect, backoffDelay(DEFAULT_BACKOFF, failures - 1, random));
    });
  };
  connect();

  return {
    close: () => stop(null),
    [Symbol.asyncIterator]: () => queue[Symbol.asyncIterator](),
  };
}
