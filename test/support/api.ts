/**
 * A minimal REST client for end-to-end tests: HTTPS GET with a bearer token, trusting only the
 * server's own CA (DATA/tls/ca.crt) — certificate checks stay on.
 */
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Api {
  /** GET `path`; resolves with the status code and the parsed JSON body. */
  get<T>(path: string): Promise<{ status: number; body: T }>;
  /** Any method, with an optional JSON body. */
  send<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
}

export function apiClient(baseUrl: string, dataDir: string, token?: string): Api {
  const ca = readFileSync(join(dataDir, 'tls', 'ca.crt'));
  const send = <T>(method: string, path: string, body?: unknown) =>
      new Promise<{ status: number; body: T }>((resolve, reject) => {
        const req = request(new URL(path, baseUrl), {
          method,
          ca,
          headers: {
            accept: 'application/json',
            ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
            ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
          },
          timeout: 10_000,
        });
        req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timeout`)));
        req.on('error', reject);
        req.on('response', (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            try {
              resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as T });
            } catch {
              reject(new Error(`${method} ${path}: HTTP ${res.statusCode ?? '?'}, not JSON: ${text.slice(0, 200)}`));
            }
          });
        });
        req.end(body !== undefined ? JSON.stringify(body) : undefined);
      });
  return { get: (path) => send('GET', path), send };
}
