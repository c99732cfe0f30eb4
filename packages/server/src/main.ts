/**
 * Composition root: `runServer(argv)` loads config, builds the System, listens, prints the
 * one-time setup link on first start, and shuts down gracefully on SIGTERM/SIGINT.
 * OWNER: server-core helper — placeholder until implemented.
 */
export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

export async function runServer(_argv: string[]): Promise<RunningServer> {
  throw new Error('runServer: not implemented');
}
