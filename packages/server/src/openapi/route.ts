/** Serves the generated OpenAPI document at OPENAPI_PATH without authentication. */
import type { FastifyInstance } from 'fastify';
import { OPENAPI_PATH, renderOpenApi } from './generate.js';

export function registerOpenApiRoute(app: FastifyInstance): void {
  let body: string | null = null;
  app.get(OPENAPI_PATH, async (_req, reply) => {
    body ??= renderOpenApi();
    return reply.type('application/json; charset=utf-8').send(body);
  });
}
