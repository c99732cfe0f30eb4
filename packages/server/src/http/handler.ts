/** The handler contract: one async function per endpoint of the API table (a dispatch table). */
import type { BodyOf, EndpointName, ParamsOf, QueryOf, ResponseOf } from '@meshwork/protocol';
import type { Principal, System } from '../system.js';
import type { PreparedJson } from './prepared-json.js';
import type { FileReply } from './file-reply.js';

export interface CookieOptions {
  maxAgeSeconds?: number;
  httpOnly?: boolean;
}

/** What a handler may do to the HTTP response besides returning its body. */
export interface ReplyControl {
  setCookie(name: string, value: string, opts?: CookieOptions): void;
  clearCookie(name: string): void;
}

export interface RequestContext<N extends EndpointName> {
  sys: System;
  params: ParamsOf<N>;
  query: QueryOf<N>;
  body: BodyOf<N>;
  /** Set for every `auth: 'user'` endpoint; null on `auth: 'none'` ones unless a session is present. */
  principal: N extends never ? never : Principal | null;
  ip: string;
  userAgent: string;
  /** The request's Origin and Host headers (passkeys bind to the origin; see auth/passkeys.ts). */
  origin: string | undefined;
  host: string | undefined;
  cookies: Record<string, string>;
  reply: ReplyControl;
}

/**
 * The answer, or the answer already checked and serialised (prepared-json.ts: a cached list), or
 * for `binary` endpoints a stream of bytes (file-reply.ts).
 */
export type Handler<N extends EndpointName> = (ctx: RequestContext<N>) => Promise<ResponseOf<N> | PreparedJson<ResponseOf<N>> | FileReply>;
export type Handlers = { [N in EndpointName]: Handler<N> };
/** For per-area files: `export const groupHandlers = { ... } satisfies AreaHandlers<'groups.list' | ...>`. */
export type AreaHandlers<K extends EndpointName> = { [N in K]: Handler<N> };

/** Narrow a principal on `auth: 'user'` endpoints (the app guarantees it is set). */
export function must(p: Principal | null): Principal {
  if (!p) throw new Error('handler for an auth:user endpoint called without a principal');
  return p;
}
