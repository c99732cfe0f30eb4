/**
 * Local mode for the CLI: opens a data dir's store and serves the same API routes in-process
 * (no socket), acting as the built-in local administrator. Filesystem access to the data dir is
 * the trust boundary — the same as MeshCentral's --createaccount.
 *
 * The data dir is bootstrapped exactly as a server start would (store created and migrated,
 * identity generated if absent), so `meshwork user add --data D` may run before the first
 * `server start`, and the ServerID is fixed from then on.
 */
import type { HTTPMethods } from 'fastify';
import { SITE_RIGHTS } from '@meshwork/protocol';
import { loadConfig, SERVER_URLS_SETTING } from './config.js';
import { buildApp } from './http/app.js';
import { handlers } from './http/handlers/index.js';
import { buildSystem, closeSystem, createLogger } from './system-builder.js';
import type { Principal } from './system.js';

export interface LocalServer {
  /** A fetch that dispatches to the in-process routes; use URLs like `http://local/api/v1/...`. */
  fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  /** The URLs the server last recorded that it serves on (for install files). */
  serverUrls: string[];
  serverId: string;
  close(): Promise<void>;
}

/** The CLI's principal in local mode: a site administrator that is not a stored account. */
export const LOCAL_ADMIN_ID = 'local-admin';

export function localPrincipal(now: number): Principal {
  return {
    via: 'local',
    user: {
      id: LOCAL_ADMIN_ID, name: 'local', passwordHash: '', siteRights: SITE_RIGHTS.admin, disabled: false,
      totpSecret: null, totpPendingSecret: null, backupCodeHashes: [], createdAt: now, lastLoginAt: null,
    },
  };
}

export async function openLocal(dataDir: string): Promise<LocalServer> {
  const config = loadConfig(['--data', dataDir]);
  // Logs go to stderr and only when something is wrong: stdout belongs to the CLI's output.
  const sys = await buildSystem(config, { log: createLogger('warn', 2), checkAgentPackages: false });
  const app = buildApp(sys, handlers, { localPrincipal: localPrincipal(sys.now()) });
  try {
    await app.ready();
  } catch (e) {
    await closeSystem(sys);
    throw e;
  }
  const urls = await sys.store.getSetting<unknown>(SERVER_URLS_SETTING);

  async function fetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
    const req = input instanceof Request ? input : new Request(new URL(String(input), 'http://local'), init);
    const url = new URL(req.url);
    const headers: Record<string, string> = {};
    req.headers.forEach((v, k) => {
      headers[k] = v;
    });
    const body = req.body ? Buffer.from(await req.arrayBuffer()) : undefined;
    const res = await app.inject({ method: req.method as HTTPMethods, url: url.pathname + url.search, headers, ...(body ? { payload: body } : {}) });
    const out = new Headers();
    for (const [k, v] of Object.entries(res.headers)) {
      if (Array.isArray(v)) for (const x of v) out.append(k, x);
      else if (v !== undefined) out.set(k, String(v));
    }
    const noBody = req.method === 'HEAD' || res.statusCode === 204 || res.statusCode === 304;
    return new Response(noBody ? null : res.rawPayload, { status: res.statusCode, headers: out });
  }

  return {
    fetch,
    serverUrls: Array.isArray(urls) ? urls.filter((u): u is string => typeof u === 'string') : [],
    serverId: sys.identity.serverId,
    async close() {
      await app.close();
      await closeSystem(sys);
    },
  };
}
