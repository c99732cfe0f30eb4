/**
 * The one client the browser application uses. Every call to the server goes through the typed
 * `@meshwork/client` package: same-origin, cookie session, CSRF token remembered from the session.
 * Its first calls take the answers of the GETs boot.ts started before the app loaded
 * (first-requests.ts), checked like every other answer.
 */
import { ApiClientError, createClient, eventStreamUrl, openEventStream, type EventStream, type StreamStatus } from '@meshwork/client';
import { prefetched } from './first-requests.js';

export const api = createClient({ baseUrl: '', credentials: 'same-origin', prefetched });

/** `https://host:port` of the page: the base for WebSocket URLs (relay, event and run streams). */
export const origin = (): string => window.location.origin;

/** The CSRF token of the current session (WebSocket upgrades carry it in the query string). */
let csrf: string | undefined;
export function setCsrf(token: string | undefined): void {
  csrf = token;
  api.setCsrfToken(token);
}
export const csrfToken = (): string | undefined => csrf;

/** The live event stream of this session (reconnects with backoff; ends on a fatal error). */
export function openLiveStream(onStatus?: (s: StreamStatus) => void): EventStream {
  return openEventStream({
    url: eventStreamUrl(origin(), csrf),
    WebSocket: window.WebSocket as never,
    ...(onStatus ? { onStatus } : {}),
  });
}

/** A browser WebSocket with binary frames as ArrayBuffer (relay and run streams). */
export function browserSocket(url: string): WebSocket {
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  return ws;
}

/** A sentence for any error a call can throw, for showing to the user as text. */
export function errorText(e: unknown): string {
  if (e instanceof ApiClientError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}

/** The stable error code of a failed call (`unauthenticated`, `forbidden`, …), or null. */
export function errorCode(e: unknown): string | null {
  return e instanceof ApiClientError ? e.code : null;
}
