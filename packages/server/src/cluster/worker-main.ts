/**
 * The process entry of a cluster worker, forked by primary.ts with the server's own flags: it
 * runs the same runServer as a single process, which sees the worker environment and serves as a
 * worker (IpcBus, `ready` to the primary, no once-per-server work). A start failure goes to the
 * primary as one line (it reports it) and the worker exits 1.
 */
import { runServer, StartError } from '../main.js';
import { reportStartFailure } from './worker.js';

runServer(process.argv.slice(2)).catch((e: unknown) => {
  const message = e instanceof StartError ? e.message : `unexpected error: ${(e as Error).stack ?? String(e)}`;
  reportStartFailure(message, () => process.exit(1));
  setTimeout(() => process.exit(1), 2_000).unref();
});
