/**
 * Serving the web UI. `/assets/<file>`: only names the build produced, cached for a year as
 * immutable (the names are content-hashed), with an ETag and brotli/gzip when accepted
 * (compressed on first request, then kept). Pages — `/`, `/setup`, `/login`, and any other GET
 * outside /api/ and /assets/ that accepts text/html (the SPA's routes) — get index.html with
 * `no-store` and the app's strict CSP (set for every response in app.ts). Without a built UI the
 * pages answer 503 with a plain page that says how to build it.
 */
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../../errors.js';
import type { Asset, WebUi } from './web-root.js';
import { acceptedEncodings } from '../accept-encoding.js';

const IMMUTABLE = 'public, max-age=31536000, immutable';
const PAGES = ['/', '/setup', '/login'];
const COMPRESSIBLE = /^(text\/|application\/(json|wasm)|image\/svg\+xml)/;
const MIN_COMPRESS = 1024;

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Meshwork: web UI not built</title></head>
<body><h1>The Meshwork web UI is not built</h1>
<p>This server has no built web UI to serve. In the Meshwork checkout run <code>npm run build</code>
(or start the server with <code>--web-root DIR</code>), then restart the server.</p>
<p>The API under <code>/api/v1/</code> and the command-line tool work without it.</p></body></html>
`;

type Encoding = 'br' | 'gzip';
const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

/** Compressed bodies, made once per asset and encoding. */
class CompressedCache {
  private readonly done = new Map<string, Promise<Buffer>>();

  get(name: string, a: Asset, enc: Encoding): Promise<Buffer> {
    const key = `${enc}:${name}`;
    let p = this.done.get(key);
    if (!p) {
      // The build's own .br/.gz (maximum compression, no run-time cost); otherwise a quick
      // compression here — quality 11 takes seconds for the main bundle on a small machine.
      const built = a.precompressed[enc];
      p = built
        ? Promise.resolve(built)
        : enc === 'br'
          ? brotli(a.body, { params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: a.body.length } })
          : gz(a.body, { level: 6 });
      this.done.set(key, p);
    }
    return p;
  }
}

/** The best encoding the client accepts (q > 0) among br and gzip; null for identity. */
export function pickEncoding(header: string | undefined): Encoding | null {
  const accepted = acceptedEncodings(header);
  if (accepted.has('br')) return 'br';
  if (accepted.has('gzip')) return 'gzip';
  return null;
}

const matches = (ifNoneMatch: string | undefined, etag: string): boolean =>
  ifNoneMatch !== undefined && (ifNoneMatch.trim() === '*' || ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === etag));

/** Whether a request that matched no route should get the app page (an SPA route). */
export function wantsPage(req: FastifyRequest): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const path = req.url.split('?')[0] ?? '';
  if (path === '/api' || path.startsWith('/api/') || path.startsWith('/assets/')) return false;
  return String(req.headers.accept ?? '').toLowerCase().includes('text/html');
}

export function sendPage(ui: WebUi, reply: FastifyReply): FastifyReply {
  if (ui.index === null) return reply.code(503).type('text/html; charset=utf-8').send(NOT_BUILT);
  return reply.type('text/html; charset=utf-8').send(ui.index);
}

export function registerWebUi(app: FastifyInstance, ui: WebUi): void {
  const cache = new CompressedCache();
  for (const path of PAGES) app.get(path, async (_req, reply) => sendPage(ui, reply));
  app.get('/assets/*', async (req, reply) => {
    const name = (req.params as { '*'?: string })['*'] ?? '';
    const a = ui.assets.get(name);
    if (!a) throw new ApiError('not_found');
    const enc = a.body.length >= MIN_COMPRESS && COMPRESSIBLE.test(a.type) ? pickEncoding(req.headers['accept-encoding']) : null;
    const etag = `"${a.hash}${enc ? `-${enc}` : ''}"`;
    void reply.headers({ 'cache-control': IMMUTABLE, etag, vary: 'Accept-Encoding' }).type(a.type);
    if (matches(req.headers['if-none-match'], etag)) return reply.code(304).send();
    if (!enc) return reply.send(a.body);
    return reply.header('content-encoding', enc).send(await cache.get(name, a, enc));
  });
}
