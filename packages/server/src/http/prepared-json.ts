/**
 * The response check every answer passes, and answers serialised ahead of the request.
 *
 * `checkResponse` is the way out of every handler: the endpoint's response schema (or its faster
 * parser of the same verdict, `responseParser` in the API table), which also drops fields the
 * schema does not name. A handler may instead return a `PreparedJson` — bytes the app sends as
 * they are (a cached device list, see device-list-cache.ts). The only way to make one is
 * `PreparedJson.prepare`, which runs the same check first: a prepared answer is checked once,
 * when it is built, instead of on every request.
 */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { endpoints, type EndpointDef, type EndpointName, type ResponseOf } from '@meshwork/protocol';
import { acceptedEncodings } from './accept-encoding.js';
import { COMPRESS_JSON_FROM } from './compress-json.js';

const gz = promisify(gzip);

/** The endpoint's answer as its schema lets it out; a mismatch is a bug (thrown, answered `internal`). */
export function checkResponse(def: EndpointDef, value: unknown): unknown {
  if (!def.responseParser) return def.response.parse(value);
  const r = def.responseParser(value);
  if (r.success) return r.data;
  const where = r.error.issues[0]?.path.join('.') ?? '';
  throw new Error(`${def.method} ${def.path}: the answer does not match its schema (${where}: ${r.error.issues[0]?.message ?? ''})`);
}

export class PreparedJson<T> {
  /** What the bytes are the JSON of (for the handler types only). */
  declare readonly answer: T;
  private gzipped: Promise<Buffer> | undefined;

  private constructor(readonly json: Buffer) {}

  /** Checks `value` as the app checks every answer of `name`, then serialises it. */
  static prepare<N extends EndpointName>(name: N, value: ResponseOf<N>): PreparedJson<ResponseOf<N>> {
    return new PreparedJson(Buffer.from(JSON.stringify(checkResponse(endpoints[name], value)), 'utf8'));
  }

  /** The JSON gzipped (level 1, in the thread pool, as compress-json.ts), made once and kept. */
  gzip(): Promise<Buffer> {
    this.gzipped ??= gz(this.json, { level: 1 }).catch((e: unknown) => {
      this.gzipped = undefined;
      throw e;
    });
    return this.gzipped;
  }
}

/** Sends prepared bytes: gzipped when large and accepted, exactly as compress-json.ts treats other answers. */
export async function sendPrepared(req: FastifyRequest, reply: FastifyReply, p: PreparedJson<unknown>): Promise<FastifyReply> {
  void reply.type('application/json; charset=utf-8');
  if (p.json.length < COMPRESS_JSON_FROM) return reply.send(p.json);
  void reply.header('vary', 'Accept-Encoding');
  if (!acceptedEncodings(req.headers['accept-encoding']).has('gzip')) return reply.send(p.json);
  const body = await p.gzip();
  void reply.header('content-encoding', 'gzip');
  return reply.send(body);
}
