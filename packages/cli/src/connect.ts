/**
 * Choosing and opening the connection: local mode (`--data DIR`, in-process, acting as the local
 * administrator) or remote mode (`--server URL` with a token from token.ts, HTTPS with an optional CA file).
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createClient, type Client, type FetchLike, type RelaySocket, type RelaySocketFactory } from '@meshwork/client';
import WebSocket from 'ws';
import { identityPaths, openLocal, type LocalServer } from '@meshwork/server';
import { UsageError } from './errors.js';
import { httpsTransport } from './https-fetch.js';
import { resolveToken } from './token.js';

export interface GlobalOptions {
  data?: string;
  server?: string;
  token?: string;
  tokenFile?: string;
  ca?: string;
  insecure: boolean;
  json: boolean;
}

export interface Connection {
  client: Client;
  mode: 'local' | 'remote';
  /** Relay WebSockets with the same TLS trust and token (remote mode only). */
  relaySocket?: RelaySocketFactory;
  close(): Promise<void>;
}

/** The data dir local mode opens: --data, else MESHWORK_DATA, else ./data (the server's default). */
export function dataDir(g: GlobalOptions, env: NodeJS.ProcessEnv): string {
  return resolve(g.data ?? env.MESHWORK_DATA ?? './data');
}

/** The CA file used in remote mode: --ca, else the data dir's own CA (DATA/tls/ca.crt) when --data is also given. */
export function caFile(g: GlobalOptions): string | undefined {
  if (g.ca !== undefined) return g.ca;
  if (g.data === undefined) return undefined;
  const p = identityPaths(resolve(g.data)).caCert;
  return existsSync(p) ? p : undefined;
}

export function connect(g: GlobalOptions, env: NodeJS.ProcessEnv, warn: (line: string) => void): Connection {
  // An explicit --data beats a MESHWORK_SERVER from the environment; an explicit --server wins over all.
  const server = g.server ?? (g.data === undefined ? env.MESHWORK_SERVER : undefined);
  if (server === undefined || server === '') {
    if (g.token !== undefined || g.tokenFile !== undefined) throw new UsageError('--token and --token-file need --server (with --data the CLI acts as the local administrator)');
    if (g.ca !== undefined || g.insecure) throw new UsageError('--ca and --insecure apply only with --server');
    // Opened on the first request, so usage errors found by the command never touch the data dir.
    const dir = dataDir(g, env);
    let opened: Promise<LocalServer> | undefined;
    const fetch: FetchLike = async (url, init) => (await (opened ??= openLocal(dir))).fetch(url, init);
    return {
      client: createClient({ baseUrl: 'http://local', fetch }),
      mode: 'local',
      close: async () => {
        if (opened) await opened.then((l) => l.close(), () => undefined);
      },
    };
  }
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new UsageError(`--server must be a URL like https://host:8443, got "${server}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError(`--server must be an https:// URL, got "${server}"`);
  const token = resolveToken(g, env, warn);
  if (token === undefined || token === '') throw new UsageError('remote mode needs an API token: MESHWORK_TOKEN or --token-file FILE (create one with `meshwork token create USER --data DIR`)');
  if (g.insecure && g.ca !== undefined) throw new UsageError('--ca and --insecure contradict each other');
  const file = g.insecure ? undefined : caFile(g);
  let ca: string | undefined;
  if (file !== undefined) {
    try {
      ca = readFileSync(file, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read the CA file ${file}: ${(e as Error).message}`);
    }
  }
  if (g.insecure) warn('warning: --insecure: the server certificate is NOT verified; anyone on the path can read and change this session');
  const transport = httpsTransport({ ...(ca !== undefined ? { ca } : {}), insecure: g.insecure });
  const baseUrl = url.origin + url.pathname.replace(/\/+$/, '');
  const relaySocket: RelaySocketFactory = (wsUrl) =>
    new WebSocket(wsUrl, {
      headers: { authorization: `Bearer ${token}` },
      ...(ca !== undefined ? { ca } : {}),
      rejectUnauthorized: !g.insecure,
      perMessageDeflate: false,
      maxPayload: 1024 * 1024,
    }) as unknown as RelaySocket;
  return {
    client: createClient({ baseUrl, token, fetch: transport.fetch }),
    mode: 'remote',
    relaySocket,
    close: async () => transport.close(),
  };
}
