/**
 * GETs started before the rest of the client — and the endpoint table, with every zod schema —
 * is even loaded: a web page's first requests, sent while the browser still loads and evaluates
 * the application. A client made with `createClient({ prefetched })` answers its first GET of the
 * same URL with the prefetched response, and checks it exactly as any answer it fetched itself.
 * Each body is read as soon as it arrives: a browser stops downloading a response nobody reads
 * once its buffer is full, which would hold the 10,000-device list back until the app had loaded.
 * A response nobody takes within `maxAgeMs` is dropped (the call then fetches afresh), and all are
 * dropped as soon as the client makes any other call than a GET (a login, a logout, a change: the
 * answers may no longer be the caller's, or current).
 * Imports no schema and nothing of the endpoint table, so it costs nothing to load.
 */
import { joinUrl } from './request.js';
import type { FetchLike, FetchResponse } from './types.js';

export interface PrefetchOptions {
  /** As the client's: `''` for same-origin in a browser. */
  baseUrl: string;
  fetch?: FetchLike;
  credentials?: 'omit' | 'same-origin' | 'include';
  /** Default 10 s. */
  maxAgeMs?: number;
  /** Default Date.now (tests pass their clock). */
  now?: () => number;
}

interface Pending {
  at: number;
  response: Promise<FetchResponse>;
}

export class Prefetched {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly opts: PrefetchOptions) {}

  /**
   * Starts `GET path` with the headers the client sends (no CSRF token: GETs need none) and
   * returns the response once its body is in — look at the status only: the body is the client's.
   */
  get(path: string): Promise<FetchResponse> {
    const url = joinUrl(this.opts.baseUrl, path);
    const doFetch: FetchLike = this.opts.fetch ?? ((u, init) => globalThis.fetch(u, init));
    const response = doFetch(url, {
      method: 'GET',
      headers: { accept: 'application/json' },
      ...(this.opts.credentials ? { credentials: this.opts.credentials } : {}),
    }).then(buffered);
    response.catch(() => undefined); // a failure is the taker's to report
    this.pending.set(url, { at: this.now(), response });
    return response;
  }

  /** The response prefetched for `url`, once; undefined when there is none, or it is too old. */
  take(url: string): Promise<FetchResponse> | undefined {
    const p = this.pending.get(url);
    if (!p) return undefined;
    this.pending.delete(url);
    return this.now() - p.at <= (this.opts.maxAgeMs ?? 10_000) ? p.response : undefined;
  }

  /** Drops every prefetched response. */
  clear(): void {
    this.pending.clear();
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }
}

/** The response with its body already read. */
async function buffered(r: FetchResponse): Promise<FetchResponse> {
  const text = await r.text();
  return { status: r.status, ok: r.ok, headers: r.headers, text: () => Promise.resolve(text) };
}
