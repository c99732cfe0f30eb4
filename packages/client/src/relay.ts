/**
 * Relay sockets for the user end: open a session (`devices.openSession`), then connect a
 * WebSocket to its url. Runtime-neutral: the caller supplies the WebSocket (the browser's, or
 * `ws` with TLS options and an Authorization header in Node).
 */
import { RELAY_USER_PATH, type CreateRelaySession, type RelaySessionInfo } from '@meshwork/protocol';
import type { Client } from './client.js';
import { ApiClientError } from './errors.js';

/** What relay code needs of a WebSocket (the browser's and `ws`'s both provide it). */
export interface RelaySocket {
  binaryType: string;
  readonly bufferedAmount: number;
  readonly readyState: number;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
  /** `ws` only: stop and restart reading (browsers have neither; they never need it). */
  pause?(): void;
  resume?(): void;
  addEventListener(type: 'open', listener: () => void): void;
  addEventListener(type: 'error', listener: (ev: unknown) => void): void;
  addEventListener(type: 'message', listener: (ev: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (ev: { code: number; reason: string }) => void): void;
}
export type RelaySocketFactory = (url: string) => RelaySocket;

/**
 * `https://h:p` + `/api/v1/relay?session=…` → `wss://h:p/api/v1/relay?session=…`. A browser
 * (cookie session) passes its CSRF token, which the server requires on cookie-authenticated upgrades.
 */
export function relaySocketUrl(baseUrl: string, sessionUrl: string, csrfToken?: string): string {
  if (!sessionUrl.startsWith(`${RELAY_USER_PATH}?`)) throw new ApiClientError(0, 'bad_response', 'the relay url is not on this server');
  const csrf = csrfToken ? `&csrf=${encodeURIComponent(csrfToken)}` : '';
  return baseUrl.replace(/\/+$/, '').replace(/^http(s?):\/\//i, 'ws$1://') + sessionUrl + csrf;
}

/** Bytes of a binary message (ArrayBuffer in browsers, Buffer/Uint8Array from `ws`). */
export function messageBytes(data: unknown): Uint8Array | null {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return null;
}

export class RelayClosedError extends ApiClientError {
  constructor(
    readonly closeCode: number,
    reason: string,
  ) {
    super(0, 'relay_closed', reason || `the relay closed (${closeCode})`);
  }
}

export interface OpenedRelay {
  info: RelaySessionInfo;
  socket: RelaySocket;
}

/**
 * Creates a session on a device and connects to it; resolves once the socket is open. A `ws`
 * socket is paused on open (so no message can arrive before the caller listens): call
 * `socket.resume?.()` after adding the message listener.
 */
export async function openRelay(client: Client, deviceId: string, request: CreateRelaySession, connect: RelaySocketFactory): Promise<OpenedRelay> {
  const info = await client.devices.openSession({ id: deviceId, ...request });
  const socket = connect(relaySocketUrl(client.baseUrl, info.url));
  // Browsers default to Blob: ask for ArrayBuffer. `ws` defaults to Buffer (a Uint8Array, no copy): keep it.
  if (socket.binaryType !== 'nodebuffer') socket.binaryType = 'arraybuffer';
  await new Promise<void>((resolve, reject) => {
    let settled = false;
    socket.addEventListener('open', () => {
      socket.pause?.();
      settled = true;
      resolve();
    });
    socket.addEventListener('close', (ev) => {
      if (!settled) reject(new RelayClosedError(ev.code, ev.reason));
      settled = true;
    });
    socket.addEventListener('error', (ev) => {
      const m = typeof ev === 'object' && ev !== null && typeof (ev as { message?: unknown }).message === 'string' ? (ev as { message: string }).message : '';
      const status = /\b([45]\d\d)\b/.exec(m)?.[1];
      if (!settled) reject(new ApiClientError(Number(status ?? 0), status === '404' ? 'not_found' : 'network_error', `cannot connect to the relay${m ? `: ${m}` : ''}`));
      settled = true;
    });
  });
  return { info, socket };
}
