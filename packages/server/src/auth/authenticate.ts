/**
 * Request authentication: session cookie (+ CSRF header on state-changing methods, Origin check)
 * or `Authorization: Bearer <api token>`. Returns null when no credentials were presented.
 * OWNER: auth helper — placeholder signature until implemented.
 */
import type { FastifyRequest } from 'fastify';
import type { Principal, System } from '../system.js';

export async function authenticate(
  _sys: System,
  _req: FastifyRequest,
  _cookies: Record<string, string>,
  _required: boolean,
): Promise<Principal | null> {
  return null;
}
