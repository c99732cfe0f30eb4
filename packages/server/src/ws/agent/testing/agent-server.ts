/** Test support: a real HTTPS server on 127.0.0.1 (port 0) with the agent endpoint on the real upgrade router. */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { System } from '../../../system.js';
import { attachAgentEndpoint, type AgentEndpoint } from '../endpoint.js';
import type { AgentEndpointOptions } from '../options.js';

export interface AgentServer {
  /** wss://127.0.0.1:PORT */
  base: string;
  server: Server;
  endpoint: AgentEndpoint;
  close(): Promise<void>;
}

export async function startAgentServer(sys: System, overrides: Partial<AgentEndpointOptions> = {}): Promise<AgentServer> {
  const server = createServer({ key: sys.identity.tlsKeyPem, cert: sys.identity.tlsCertPem }, (_req, res) => res.writeHead(404).end());
  const endpoint = await attachAgentEndpoint(sys, server, overrides);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    base: `wss://127.0.0.1:${port}`,
    server,
    endpoint,
    async close() {
      await endpoint.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Polls `cond` every few ms until true; fails after `maxMs` (a bound on waiting, not a timing assertion). */
export async function eventually(cond: () => boolean | Promise<boolean>, what: string, maxMs = 10_000): Promise<void> {
  const until = Date.now() + maxMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
