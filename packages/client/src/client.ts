/** `createClient`: typed calls over the endpoint table, with one error type for every failure. */
import { endpoints, type EndpointDef, type EndpointName, type ResponseOf } from '@meshwork/protocol';
import { ApiClientError, describeThrown, errorFromBody } from './errors.js';
import type { Prefetched } from './prefetch.js';
import { fillPath, joinUrl, queryString, splitFlat, type RequestParts } from './request.js';
import type { AreaClients, ArgsFor, CallRequest, FetchLike } from './types.js';

export interface ClientOptions {
  /** Origin (and optional prefix) of the server, e.g. `https://mesh.example:8443`; `''` for same-origin in a browser. */
  baseUrl: string;
  /** Defaults to the global fetch. The CLI passes one with a custom CA, or the in-process one. */
  fetch?: FetchLike;
  /** API token, sent as `Authorization: Bearer …`. */
  token?: string;
  /** Session CSRF token, sent as `x-csrf-token`. Updated automatically by login/session calls. */
  csrfToken?: string;
  /** Browser cookie mode for fetch. */
  credentials?: 'omit' | 'same-origin' | 'include';
  /** GETs started before the client existed (prefetch.ts): the first call of each URL takes its answer. */
  prefetched?: Prefetched;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface Client extends AreaClients {
  readonly baseUrl: string;
  /** Low-level call: `{ params, query, body }` exactly as the endpoint table defines them. */
  call<N extends EndpointName>(name: N, ...args: [...ArgsFor<CallRequest<N>>, CallOptions?]): Promise<ResponseOf<N>>;
  setCsrfToken(token: string | undefined): void;
}

/** Calls whose response is a SessionInfo: the client remembers its CSRF token for later calls. */
const SESSION_CALLS = new Set<EndpointName>(['auth.login', 'auth.passkeyFinish', 'auth.session', 'setup.createAdmin']);

export function createClient(opts: ClientOptions): Client {
  const doFetch: FetchLike = opts.fetch ?? ((url, init) => globalThis.fetch(url, init));
  let csrfToken = opts.csrfToken;

  async function request(name: EndpointName, parts: RequestParts, callOpts?: CallOptions): Promise<unknown> {
    const def: EndpointDef = endpoints[name];
    const url = joinUrl(opts.baseUrl, fillPath(def.path, parts.params) + queryString(parts.query as Record<string, unknown> | undefined));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (csrfToken) headers['x-csrf-token'] = csrfToken;
    let body: string | undefined;
    if (def.body) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(parts.body ?? {});
    }
    if (def.binary) headers.accept = `${def.binary}, application/json`;
    let res;
    let text: string;
    let bytes: Uint8Array | undefined;
    try {
      if (def.method !== 'GET') opts.prefetched?.clear();
      const early = def.method === 'GET' && !opts.token ? opts.prefetched?.take(url) : undefined;
      res = await (early ?? doFetch(url, {
        method: def.method,
        headers,
        ...(body !== undefined ? { body } : {}),
        ...(opts.credentials ? { credentials: opts.credentials } : {}),
        ...(callOpts?.signal ? { signal: callOpts.signal } : {}),
      }));
      if (def.binary && res.ok) {
        if (!res.arrayBuffer) throw new Error('this fetch cannot read binary answers');
        bytes = new Uint8Array(await res.arrayBuffer());
        text = '';
      } else {
        text = await res.text();
      }
    } catch (e) {
      throw new ApiClientError(0, 'network_error', `${def.method} ${url}: ${describeThrown(e)}`, undefined, { cause: e });
    }
    if (bytes) return bytes;
    const json = parseJson(text);
    if (!res.ok) {
      throw errorFromBody(res.status, json) ?? new ApiClientError(res.status, 'bad_response', `HTTP ${res.status} without an error body from ${def.method} ${def.path}`);
    }
    if (json === NOT_JSON) throw new ApiClientError(res.status, 'bad_response', `${def.method} ${def.path}: the server's answer is not JSON`);
    // A large answer may come with a faster parser of the same verdict (devices.list: 10,000 devices).
    const parsed = def.responseParser ? def.responseParser(json) : def.response.safeParse(json);
    if (!parsed.success) {
      throw new ApiClientError(res.status, 'bad_response', `${def.method} ${def.path}: unexpected response shape`, parsed.error.issues);
    }
    if (SESSION_CALLS.has(name)) csrfToken = (parsed.data as { csrfToken: string }).csrfToken;
    if (name === 'auth.logout' || name === 'auth.logoutAll') csrfToken = undefined;
    return parsed.data;
  }

  const areas: Record<string, Record<string, (input?: Record<string, unknown>) => Promise<unknown>>> = {};
  for (const name of Object.keys(endpoints) as EndpointName[]) {
    const [area, action] = name.split('.') as [string, string];
    (areas[area] ??= {})[action] = (input) => request(name, splitFlat(endpoints[name], input));
  }

  const client = {
    ...areas,
    baseUrl: opts.baseUrl,
    call(name: EndpointName, req?: RequestParts, callOpts?: CallOptions) {
      return request(name, req ?? {}, callOpts);
    },
    setCsrfToken(token: string | undefined) {
      csrfToken = token;
    },
  };
  // The generic signatures of Client are enforced by its type; the table above builds them at runtime.
  return client as unknown as Client;
}

const NOT_JSON = Symbol('not json');

function parseJson(text: string): unknown {
  if (text === '') return NOT_JSON;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_JSON;
  }
}
