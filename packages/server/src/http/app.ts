/**
 * Builds the HTTP application: one route per entry of the API table, each validated against its
 * schemas on the way in and the way out, authenticated, and answered errors in one shape.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { Socket } from 'node:net';
import { isUtf8 } from 'node:buffer';
import { endpoints, ERROR_CODES, JsonDepthError, parseBoundedJson, type EndpointDef, type EndpointName, type ErrorBody } from '@meshwork/protocol';
import { StoreError } from '@meshwork/store';
import type { z } from 'zod';
import { ApiError } from '../errors.js';
import type { Principal, System } from '../system.js';
import { parseCookies, serializeCookie } from './cookies.js';
import type { Handlers, ReplyControl, RequestContext } from './handler.js';
import { authenticate } from '../auth/authenticate.js';
import { registerOpenApiRoute } from '../openapi/route.js';
import { compressJson } from './compress-json.js';
import { checkResponse, PreparedJson, sendPrepared } from './prepared-json.js';
import { FileReply } from './file-reply.js';
import { registerWebUi, sendPage, wantsPage } from './web/routes.js';
import type { WebUi } from './web/web-root.js';
import { METRICS_CONTENT_TYPE, renderMetrics } from '../metrics/collect.js';
import { HTTPS_TLS_OPTIONS } from './tls-options.js';

export const BODY_LIMIT = 1024 * 1024;
/** Endpoints that need no login (login, setup, passkey login) take small bodies only. */
export const UNAUTHENTICATED_BODY_LIMIT = 16 * 1024;
/** Larger request heads are refused with 431 `headers_too_large` (Node's default is 16 KiB). */
export const MAX_HEADER_SIZE = 16 * 1024;

export interface AppOptions {
  /** HTTPS key/cert; omitted for in-process (local CLI) use through inject(). */
  https?: { key: string; cert: string };
  /** Local mode: every request acts as this principal (filesystem access to the data dir is the trust). */
  localPrincipal?: Principal;
  /** The web UI to serve (pages and assets); omitted in local mode, which serves only the API. */
  web?: WebUi;
}

export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'strict-transport-security': 'max-age=31536000',
  'cache-control': 'no-store',
};

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;
/** Never called (no route declares a Fastify schema); present so Fastify does not load its own. */
const NO_SCHEMA_COMPILERS = {
  buildValidator: () => () => () => true,
  buildSerializer: () => () => (data: unknown) => JSON.stringify(data),
} as unknown as CompilersFactory;

export function buildApp(sys: System, handlers: Handlers, opts: AppOptions = {}): FastifyInstance {
  const app = Fastify({
    ...(opts.https ? { https: { key: opts.https.key, cert: opts.https.cert, maxHeaderSize: MAX_HEADER_SIZE, ...HTTPS_TLS_OPTIONS } } : {}),
    clientErrorHandler: answerClientError,
    // Bodies are validated with the API table's zod schemas, never with Fastify's JSON schemas:
    // stub the schema compilers so ajv and fast-json-stringify (~50 ms) stay off the start path.
    schemaController: { compilersFactory: NO_SCHEMA_COMPILERS },
    // Errors the router raises before any route runs (bad URL encoding, bad content-type header).
    frameworkErrors: (err, _req, reply) => {
      const code = err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'unsupported_media_type' : 'bad_request';
      void (reply as unknown as FastifyReply).code(ERROR_CODES[code].status).send(errorBody(code));
    },
    bodyLimit: BODY_LIMIT,
    logger: false,
    routerOptions: { maxParamLength: 200 },
    return503OnClosing: true,
    connectionTimeout: 30_000,
    requestTimeout: 30_000,
  }) as unknown as FastifyInstance;

  app.addHook('onRequest', async (req, reply) => {
    void reply.headers(SECURITY_HEADERS);
    sys.metrics.inc('meshwork_http_requests_total', { method: req.method });
  });
  app.addHook('onSend', async (req, reply, payload) => compressJson(req, reply, payload));
  app.setErrorHandler((err, req, reply) => sendError(sys, req, reply, err));
  app.setNotFoundHandler((req, reply) => {
    if (opts.web && wantsPage(req)) return void sendPage(opts.web, reply); // an SPA route
    void reply.code(404).send(errorBody('not_found'));
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(body as Buffer));
    } catch (e) {
      done(e as Error, undefined);
    }
  });

  // Prometheus metrics: site administrators only on the main port (an open bind is --metrics-port).
  app.get('/metrics', async (req, reply) => {
    const principal = opts.localPrincipal ?? (await authenticate(sys, req, parseCookies(req.headers.cookie), true));
    if (!principal) throw new ApiError('unauthenticated');
    if (!sys.authz.isSiteAdmin(principal)) throw new ApiError('forbidden');
    return reply.type(METRICS_CONTENT_TYPE).send(await renderMetrics(sys));
  });

  // Authentication runs when the request head has arrived, before its body is read: a request
  // without valid credentials to an `auth: 'user'` endpoint is answered (and its connection
  // closed) without reading or parsing what it sends.
  const principals = new WeakMap<FastifyRequest, Principal | null>();
  for (const name of Object.keys(endpoints) as EndpointName[]) {
    const def: EndpointDef = endpoints[name];
    const handler = handlers[name] as (ctx: RequestContext<EndpointName>) => Promise<unknown>;
    app.route({
      method: def.method,
      url: def.path,
      bodyLimit: def.auth === 'none' ? UNAUTHENTICATED_BODY_LIMIT : BODY_LIMIT,
      onRequest: async (req, reply) => {
        try {
          const principal = opts.localPrincipal ?? (await authenticate(sys, req, parseCookies(req.headers.cookie), def.auth === 'user'));
          if (def.auth === 'user' && !principal) throw new ApiError('unauthenticated');
          principals.set(req, principal);
        } catch (e) {
          void reply.header('connection', 'close');
          throw e;
        }
      },
      handler: async (req, reply) => {
        const cookies = parseCookies(req.headers.cookie);
        const principal = principals.get(req) ?? null;
        const ctx: RequestContext<EndpointName> = {
          sys,
          params: parse(def.params, req.params, 'params') as never,
          query: parse(def.query, req.query, 'query') as never,
          body: parse(def.body, req.body, 'body') as never,
          principal: principal as never,
          ip: req.ip,
          userAgent: String(req.headers['user-agent'] ?? '').slice(0, 256),
          origin: firstHeader(req.headers.origin),
          host: firstHeader(req.headers.host),
          cookies,
          reply: replyControl(reply),
        };
        const result = await handler(ctx);
        if (result instanceof PreparedJson) return sendPrepared(req, reply, result);
        if (result instanceof FileReply && def.binary) {
          return reply.type(def.binary).header('content-length', String(result.size))
            .header('content-disposition', `attachment; filename="${result.fileName}"`).send(result.stream);
        }
        return checkResponse(def, result);
      },
    });
  }
  registerOpenApiRoute(app);
  if (opts.web) registerWebUi(app, opts.web);
  return app;
}

/**
 * JSON bodies: strict UTF-8, standard JSON, no `__proto__` keys; an empty body is "no body".
 * Anything else is `bad_request` — never a silently repaired value.
 */
export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  if (!isUtf8(body)) throw new ApiError('bad_request', 'The body is not valid UTF-8.');
  try {
    return parseBoundedJson(body.toString('utf8'), (key, value: unknown) => {
      if (key === '__proto__') throw new Error('__proto__ key');
      return value;
    });
  } catch (e) {
    if (e instanceof JsonDepthError) throw new ApiError('bad_request', `The body is nested deeper than ${e.limit} levels.`);
    throw new ApiError('bad_request', 'The body is not valid JSON.');
  }
}

function parse(schema: z.ZodType | undefined, value: unknown, where: string): unknown {
  if (!schema) {
    const empty = value === undefined || value === null || (typeof value === 'object' && Object.keys(value).length === 0);
    if (where === 'body' && !empty) throw new ApiError('validation_failed', 'This endpoint takes no body.');
    return undefined;
  }
  const r = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (!r.success) {
    const issues = r.error.issues.slice(0, 10).map((i) => ({ path: [where, ...i.path.map(String)].join('.'), message: i.message }));
    const first = issues[0];
    throw new ApiError('validation_failed', first ? `${first.path}: ${first.message}` : 'Invalid request.', issues);
  }
  return r.data;
}

const firstHeader = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

function replyControl(reply: FastifyReply): ReplyControl {
  const cookies: string[] = [];
  return {
    setCookie(name, value, o) {
      cookies.push(serializeCookie(name, value, o));
      void reply.header('set-cookie', cookies);
    },
    clearCookie(name) {
      cookies.push(serializeCookie(name, '', { maxAgeSeconds: 0 }));
      void reply.header('set-cookie', cookies);
    },
  };
}

export function errorBody(code: ErrorBody['code'], message?: string): ErrorBody & { details?: unknown } {
  return { code, message: message ?? new ApiError(code).message };
}

/** Maps anything thrown to `{code, message}`; unexpected errors are logged and never leak details. */
function sendError(sys: System, req: FastifyRequest, reply: FastifyReply, err: unknown): void {
  if (err instanceof StoreError) {
    const code = STORE_ERRORS[err.code];
    if (code === 'internal') sys.log.error({ err, url: req.url, method: req.method }, 'store error');
    void reply.code(ERROR_CODES[code].status).send(errorBody(code));
    return;
  }
  if (err instanceof ApiError) {
    const body: Record<string, unknown> = { code: err.code, message: err.message };
    if (err.details !== undefined) body.details = err.details;
    if (err.retryAfterSeconds !== undefined) void reply.header('retry-after', String(err.retryAfterSeconds));
    void reply.code(err.status).send(body);
    return;
  }
  const e = err as { code?: string; statusCode?: number };
  const mapped = mapFrameworkError(e.code, e.statusCode);
  if (mapped) {
    void reply.code(new ApiError(mapped).status).send(errorBody(mapped));
    return;
  }
  sys.log.error({ err, url: req.url, method: req.method }, 'unhandled error');
  void reply.code(500).send(errorBody('internal'));
}

const STORE_ERRORS: Record<StoreError['code'], ErrorBody['code']> = {
  conflict: 'conflict',
  not_found: 'not_found',
  invalid: 'bad_request',
  unavailable: 'unavailable',
};

/**
 * Requests Node's HTTP parser refuses (oversized or malformed heads) never reach a route: answer
 * them here in the same `{code, message}` shape, then close the connection.
 */
function answerClientError(err: Error & { code?: string }, socket: Socket): void {
  // Answered already: the parser fails again on the bytes that follow; let the answer flush.
  if (socket.writableEnded && !socket.destroyed) return;
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const code: ErrorBody['code'] = err.code === 'HPE_HEADER_OVERFLOW' ? 'headers_too_large' : 'bad_request';
  const status = ERROR_CODES[code].status;
  const body = JSON.stringify(errorBody(code));
  const reason = status === 431 ? 'Request Header Fields Too Large' : 'Bad Request';
  socket.write(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
  socket.destroySoon(); // closed once the answer is flushed, whatever the peer keeps sending
}

function mapFrameworkError(code: string | undefined, status: number | undefined): ErrorBody['code'] | null {
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'payload_too_large';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'unsupported_media_type' : 'bad_request';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return 'bad_request';
    default:
      if (status === 400) return 'bad_request';
      if (status === 413) return 'payload_too_large';
      if (status === 415) return 'unsupported_media_type';
      if (status === 503) return 'unavailable';
      return null;
  }
}
