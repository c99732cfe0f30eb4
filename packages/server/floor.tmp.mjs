// Floor: node + fastify + zod + pino + better-sqlite3 imports, HTTPS listen, one route.
import { readFileSync } from 'node:fs';
const d = process.argv[2];
const [{ default: Fastify }] = await Promise.all([import('fastify'), import('zod'), import('pino'), import('better-sqlite3')]);
const app = Fastify({ https: { key: readFileSync(d + '/tls/https.key'), cert: readFileSync(d + '/tls/https.crt') } });
app.get('/api/v1/server', async () => ({ ok: true }));
await app.listen({ port: 18543, host: '127.0.0.1' });
