/**
 * Dialling the server's relay endpoint for one session. The TLS connection is made first and its
 * leaf certificate must hash (SHA-384 of the DER) to exactly the one the control connection saw
 * — the certificate the server's ServerID signature was bound to in the handshake. Only then is
 * the HTTP upgrade (which carries the session token) written: a different server never sees it.
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';
import { WebSocket } from '../connection/ws.js';
import { RELAY_AGENT_PATH, RELAY_MAX_FRAME } from '@meshwork/protocol/relay/index';
import { AGENT_WS_PATH } from '@meshwork/protocol/session/index';

/** What the control connection knows about the server it authenticated. */
export interface RelayContext {
  /** The control connection's wss URL (…/agent). */
  url: string;
  /** SHA-384 hex of the TLS leaf certificate the control connection saw. */
  tlsCertHash: string;
}

export class RelayDialError extends Error {
  override name = 'RelayDialError';
}

/** The relay URL next to a control URL: wss://h:p[/prefix]/agent → wss://h:p[/prefix]/agent/relay. */
export function relayUrl(controlUrl: string, token: string): string {
  const u = new URL(controlUrl);
  const base = u.pathname.endsWith(AGENT_WS_PATH) ? u.pathname.slice(0, -AGENT_WS_PATH.length) : u.pathname.replace(/\/+$/, '');
  return `wss://${u.host}${base}${RELAY_AGENT_PATH}?session=${encodeURIComponent(token)}`;
}

export const certHash = (der: Buffer): string => createHash('sha384').update(der).digest('hex');

function pinnedTls(url: URL, expectedHash: string, timeoutMs: number): Promise<TLSSocket> {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return new Promise((resolve, reject) => {
    const socket = connect({
      host,
      port: Number(url.port || 443),
      ...(isIP(host) ? {} : { servername: host }),
      rejectUnauthorized: false, // on purpose: the certificate is pinned to the control connection's below
      ALPNProtocols: ['http/1.1'],
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new RelayDialError('the relay connection timed out'));
    }, timeoutMs);
    socket.once('error', (e) => {
      clearTimeout(timer);
      reject(new RelayDialError(`cannot reach the relay: ${e.message}`));
    });
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const der = socket.getPeerX509Certificate()?.raw;
      if (!der || certHash(der) !== expectedHash) {
        socket.destroy();
        reject(new RelayDialError('the relay presented another TLS certificate than the authenticated control connection'));
        return;
      }
      resolve(socket);
    });
  });
}

/** Opens the agent end of a relay session; rejects with RelayDialError. */
export async function dialRelay(ctx: RelayContext, token: string, timeoutMs = 15_000): Promise<WebSocket> {
  const target = relayUrl(ctx.url, token);
  const tls = await pinnedTls(new URL(target), ctx.tlsCertHash, timeoutMs);
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(target, {
      createConnection: () => tls,
      maxPayload: RELAY_MAX_FRAME,
      perMessageDeflate: false,
      // A zero masking key: ws then neither masks nor copies what it sends, and the server skips
      // unmasking. Masking (RFC 6455 §5.3, §10.3) keeps a browser script from choosing the bytes an
      // intermediary sees; this socket is not a browser's and is TLS end to end to the pinned
      // server, so no intermediary sees the frames at all (docs/design.md §9.2).
      generateMask: (mask: Buffer) => void mask.fill(0),
      followRedirects: false,
      handshakeTimeout: timeoutMs,
    });
    const fail = (message: string): void => {
      ws.terminate();
      tls.destroy();
      reject(new RelayDialError(message));
    };
    ws.once('unexpected-response', (_req, res) => fail(`the server answered the relay upgrade with HTTP ${res.statusCode ?? '?'}`));
    ws.once('error', (e) => fail(`relay upgrade failed: ${e.message}`));
    ws.once('open', () => {
      ws.pause(); // the session's handler resumes once it listens (nothing may arrive before)
      ws.removeAllListeners('error');
      resolve(ws);
    });
  });
}
