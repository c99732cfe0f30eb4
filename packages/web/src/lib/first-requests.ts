/**
 * The page's first requests, started by boot.ts before the application — React, the pages and
 * the endpoint table with its zod schemas, ~450 KB of script to load and evaluate — so the server
 * answers while the browser is busy with that: the server info and the session and, once the
 * session answers 200, the device list's first screen, the device list and the group list that
 * every signed-in page starts with (the 10,000-device list is the largest answer there is;
 * bench/web-devices). Through the client's
 * `Prefetched`: `api` (api.ts) takes each answer on its first call of the same URL and checks
 * it like any other. This module imports no schema, so it loads at once. The paths are the API
 * table's, which never change (protocol/src/api/endpoints.ts).
 */
import { Prefetched } from '@meshwork/client/prefetch';

export const prefetched = new Prefetched({ baseUrl: '', credentials: 'same-origin' });

/** How long the app waits for the session answer before it loads anyway. */
const WAIT_FOR_SESSION_MS = 250;

/**
 * Starts the requests; resolves once the lists are requested (or not needed: no session), or
 * after WAIT_FOR_SESSION_MS. Load the app after that: evaluating it keeps the page busy for a
 * few hundred milliseconds, and the lists would otherwise be requested only after it.
 */
export function startFirstRequests(): Promise<void> {
  void prefetched.get('/api/v1/server');
  // The lists only with a session: without one they would be three more 401s.
  const lists = prefetched.get('/api/v1/auth/session').then(
    (r) => {
      if (!r.ok) return;
      void prefetched.get('/api/v1/devices/head');
      void prefetched.get('/api/v1/devices');
      void prefetched.get('/api/v1/groups');
    },
    () => undefined,
  );
  return Promise.race([lists, new Promise<void>((resolve) => setTimeout(resolve, WAIT_FOR_SESSION_MS))]);
}
