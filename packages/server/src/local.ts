/**
 * Local mode for the CLI: opens a data dir's store and serves the same API routes in-process
 * (no socket), acting as the built-in local administrator. Filesystem access to the data dir is
 * the trust boundary — the same as MeshCentral's --createaccount.
 * OWNER: server-core helper — placeholder until implemented.
 */
export interface LocalServer {
  /** A fetch that dispatches to the in-process routes; use URLs like `http://local/api/v1/...`. */
  fetch: (input: string, init?: RequestInit) => Promise<Response>;
  /** The URLs the server last recorded that it serves on (for install files). */
  serverUrls: string[];
  close(): Promise<void>;
}

export async function openLocal(_dataDir: string): Promise<LocalServer> {
  throw new Error('openLocal: not implemented');
}
