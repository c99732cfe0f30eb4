/**
 * A fetch over node:https that can trust a given CA (Node 20's global fetch cannot without
 * undici). Returns real `Response` objects. One keep-alive agent per transport; close() ends it.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { FetchInit, FetchLike } from '@meshwork/client';

export interface HttpsFetchOptions {
  /** PEM of the CA(s) to trust instead of the system store. */
  ca?: string;
  /** Skip certificate verification (the caller warns). */
  insecure?: boolean;
  timeoutMs?: number;
}

export interface Transport {
  fetch: FetchLike;
  close(): void;
}

const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Adds what to do about the common failures to the system's message. */
function explain(e: Error & { code?: string }): Error {
  if (e.code && UNTRUSTED.has(e.code)) {
    return new Error(`${e.message}: the server's certificate is not trusted; pass --ca with the server's CA (DATA/tls/ca.crt)`, { cause: e });
  }
  return e;
}

export function httpsTransport(opts: HttpsFetchOptions = {}): Transport {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const tls = { ...(opts.ca !== undefined ? { ca: opts.ca } : {}), rejectUnauthorized: opts.insecure !== true };
  const httpsAgent = new https.Agent({ keepAlive: true, ...tls });
  const httpAgent = new http.Agent({ keepAlive: true });

  const fetch = (url: string, init: FetchInit): Promise<Response> =>
    new Promise((resolve, reject) => {
      const u = new URL(url);
      if (u.protocol !== 'https:' && u.protocol !== 'http:') {
        reject(new Error(`unsupported URL scheme ${u.protocol} (use https://)`));
        return;
      }
      const body = init.body === undefined ? undefined : Buffer.from(init.body, 'utf8');
      const headers: Record<string, string> = { ...init.headers, ...(body ? { 'content-length': String(body.length) } : {}) };
      const options = { method: init.method, headers, ...(init.signal ? { signal: init.signal } : {}) };
      const onResponse = (res: http.IncomingMessage): void => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) {
            for (const item of Array.isArray(v) ? v : v === undefined ? [] : [v]) h.append(k, item);
          }
          const noBody = status === 204 || status === 205 || status === 304;
          try {
            resolve(new Response(noBody ? null : Buffer.concat(chunks), { status, statusText: res.statusMessage ?? '', headers: h }));
          } catch (e) {
            reject(e instanceof Error ? e : new Error(String(e)));
          }
        });
      };
      const req = u.protocol === 'https:' ? https.request(u, { ...options, agent: httpsAgent }, onResponse) : http.request(u, { ...options, agent: httpAgent }, onResponse);
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
      req.on('error', (e) => reject(explain(e)));
      req.end(body);
    });

  return {
    fetch,
    close() {
      httpsAgent.destroy();
      httpAgent.destroy();
    },
  };
}
