/**
 * Composition root: `runServer(argv)` loads config, builds the System, listens, prints the
 * one-time setup link on first start, and shuts down gracefully on SIGTERM/SIGINT.
 * With `--workers N` (N > 1) this process becomes the cluster primary (cluster/primary.ts) and
 * the same runServer runs in each worker (cluster/worker.ts); the setup link, cleanup timers,
 * the serverUrls setting and the `listening` line then happen once, in the primary.
 * `serverMain(argv)` wraps it for a process entry: a fatal start error is one line on stderr
 * and exit code 1.
 */
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { WORKER_HEADER } from './cluster/messages.js';
import { ClusterPrimary } from './cluster/primary.js';
import { clusterWorker, workerShare } from './cluster/worker.js';
import { ConfigError, loadConfig, SERVER_URLS_SETTING, serverUrls } from './config.js';
import { buildApp } from './http/app.js';
import { defaultWebRoot, loadWebUi } from './http/web/web-root.js';
import { handlers } from './http/handlers/index.js';
import { createSetupToken } from './auth/setup-token.js';
import { IdentityError } from './identity/identity.js';
import { shareClusterMetrics, startMetricsServer } from './metrics/collect.js';
import { buildSystem, closeSystem } from './system-builder.js';
import type { System } from './system.js';
import { attachBrowserStream, type BrowserStream } from './ws/browser-stream.js';
import { attachAgentEndpoint, type AgentEndpoint } from './ws/agent/endpoint.js';
import { attachRelayEndpoint, type RelayEndpoint } from './ws/relay/endpoint.js';
import { attachRunStream, type RunStream } from './ws/run-stream.js';

export interface RunningServer {
  port: number;
  /** The URLs recorded as served (configured public URLs, else https://host:port). */
  urls: string[];
  serverId: string;
  /** The one-time setup link when the server has no users yet. */
  setupUrl: string | null;
  sys: System;
  close(): Promise<void>;
}

export interface RunOptions {
  /** Install SIGTERM/SIGINT handlers that close and exit(0). Default true. */
  handleSignals?: boolean;
}

/** A start failure with a one-line, user-facing message. */
export class StartError extends Error {}

const CLEANUP_EVERY_MS = 10 * 60_000;

export async function runServer(argv: string[], opts: RunOptions = {}): Promise<RunningServer> {
  // Take SIGTERM/SIGINT from the very first tick: a signal that arrives while the server is still
  // starting (or between the 'listening' line and the end of start-up) must stop it cleanly, never
  // kill it with the default action.
  const signals = opts.handleSignals !== false ? captureSignals() : null;
  let config;
  try {
    config = loadConfig(argv);
  } catch (e) {
    if (e instanceof ConfigError) throw new StartError(`bad configuration: ${e.message}`);
    throw e;
  }
  // Multi-worker mode: this process is the cluster primary, or one of its workers (or neither).
  const worker = clusterWorker();
  if (worker) config = workerShare(config);
  const primary = worker === null && config.workers > 1 ? new ClusterPrimary(config, argv) : null;
  let sys: System;
  try {
    // The primary serves no HTTP: it takes the agent-package manifest as it is (each worker hashes the files).
    sys = await buildSystem(config, { bus: worker?.bus ?? primary?.bus, ...(worker ? { workerSlot: worker.slot } : {}), checkAgentPackages: primary === null });
  } catch (e) {
    throw new StartError(startFailure(e, config.dataDir));
  }
  if (primary) return runPrimary(sys, primary, signals);
  const web = loadWebUi(config.webRoot ?? defaultWebRoot());
  if (web.index === null) sys.log.warn({ webRoot: web.root }, 'the web UI is not built (run `npm run build`): pages answer 503');
  const app = buildApp(sys, handlers, { https: { key: sys.identity.tlsKeyPem, cert: sys.identity.tlsCertPem }, web });
  if (worker) app.addHook('onRequest', async (_req, reply) => void reply.header(WORKER_HEADER, String(worker.slot)));
  const unshareMetrics = worker ? shareClusterMetrics(sys, worker.slot, config.workers) : null;
  let stream: BrowserStream | null = null;
  let agents: AgentEndpoint | null = null;
  let relay: RelayEndpoint | null = null;
  let runStream: RunStream | null = null;
  let metricsServer: HttpServer | null = null;
  let port: number;
  try {
    // The agent endpoint first: its admission queue must be in place when the first connection
    // of a reconnect storm is accepted.
    agents = await attachAgentEndpoint(sys, app.server as unknown as HttpsServer);
    await app.listen({ host: config.host, port: config.port });
    port = (app.server.address() as AddressInfo).port;
    stream = attachBrowserStream(sys, app.server as unknown as HttpsServer);
    relay = await attachRelayEndpoint(sys, app.server as unknown as HttpsServer, worker ? { splice: worker.splice } : {});
    runStream = attachRunStream(sys, app.server as unknown as HttpsServer);
    if (config.metricsPort > 0) metricsServer = await startMetricsServer(sys, config.host, config.metricsPort);
  } catch (e) {
    await agents?.close().catch(() => undefined);
    await app.close().catch(() => undefined);
    await closeSystem(sys).catch(() => undefined);
    throw new StartError(listenFailure(e, config.host, config.port, config.metricsPort));
  }

  const urls = serverUrls(config, port);
  const { setupUrl, timers } = worker ? { setupUrl: null, timers: [] } : await announce(sys, port, urls);
  if (worker) {
    worker.ready(port);
    sys.log.info({ worker: worker.slot, workerId: worker.workerId, port }, 'worker listening');
  } else {
    sys.log.info({ url: urls[0], urls, port, serverId: sys.identity.serverId, tls: sys.identity.tlsSource }, 'listening');
  }

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      for (const t of timers) clearTimeout(t);
      if (metricsServer) await new Promise<void>((r) => metricsServer?.close(() => r()));
      await stream?.close().catch((err: unknown) => sys.log.error({ err }, 'closing the browser stream failed'));
      await relay?.close().catch((err: unknown) => sys.log.error({ err }, 'closing the relay endpoint failed'));
      await runStream?.close().catch((err: unknown) => sys.log.error({ err }, 'closing the run stream failed'));
      await agents?.close().catch((err: unknown) => sys.log.error({ err }, 'closing the agent endpoint failed'));
      unshareMetrics?.();
      await app.close();
      await closeSystem(sys);
      sys.log.info('stopped');
    })());

  worker?.onShutdown(close);
  signals?.attach(sys, close);
  return { port, urls, serverId: sys.identity.serverId, setupUrl, sys, close };
}

/** The cluster primary: forks the workers, then does the once-per-server work and logs `listening`. */
async function runPrimary(sys: System, primary: ClusterPrimary, signals: SignalCapture | null): Promise<RunningServer> {
  let port: number;
  try {
    port = await primary.start(sys);
  } catch (e) {
    await closeSystem(sys).catch(() => undefined);
    throw new StartError((e as Error).message);
  }
  const urls = serverUrls(sys.config, port);
  const { setupUrl, timers } = await announce(sys, port, urls);
  sys.log.info({ url: urls[0], urls, port, serverId: sys.identity.serverId, tls: sys.identity.tlsSource, workers: sys.config.workers }, 'listening');
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      for (const t of timers) clearTimeout(t);
      await primary.stop();
      await closeSystem(sys);
      sys.log.info('stopped');
    })());
  signals?.attach(sys, close);
  return { port, urls, serverId: sys.identity.serverId, setupUrl, sys, close };
}

/** Once per server (one process, or the cluster primary): serverUrls, the setup link, cleanup timers. */
async function announce(sys: System, port: number, urls: string[]): Promise<{ setupUrl: string | null; timers: NodeJS.Timeout[] }> {
  await sys.store.setSetting(SERVER_URLS_SETTING, urls);
  let setupUrl: string | null = null;
  if ((await sys.store.countUsers()) === 0) {
    setupUrl = `${urls[0] ?? `https://127.0.0.1:${port}`}/setup#token=${await createSetupToken(sys)}`;
    process.stdout.write(`Setup: ${setupUrl}\n`);
    sys.log.info({ setupUrl }, 'no users yet: open the setup link to create the first administrator');
  }
  const cleanup = (): void => void runCleanup(sys);
  const timers = [setTimeout(cleanup, 5_000), setInterval(cleanup, CLEANUP_EVERY_MS)];
  for (const t of timers) t.unref();
  return { setupUrl, timers };
}

/** Process entry: runs the server; on a start failure prints one line and exits 1. */
export async function serverMain(argv: string[]): Promise<void> {
  try {
    await runServer(argv);
  } catch (e) {
    const msg = e instanceof StartError ? e.message : `unexpected error: ${(e as Error).stack ?? String(e)}`;
    process.stderr.write(`meshwork: ${msg}\n`);
    process.exit(1);
  }
}

interface SignalCapture {
  /** Start-up is done: shut down through `close` on a signal (at once if one already came). */
  attach(sys: System, close: () => Promise<void>): void;
}

/** Installs SIGTERM/SIGINT handlers now; until `attach`, a signal is only remembered. */
function captureSignals(): SignalCapture {
  let early: NodeJS.Signals | null = null;
  let handler: ((signal: NodeJS.Signals) => void) | null = null;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (handler) handler(signal);
    else early ??= signal;
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return {
    attach(sys, close) {
      handler = shutdownHandler(sys, close);
      // A stray rejected promise is a bug to log, not a reason to drop every connection.
      process.on('unhandledRejection', (err) => sys.log.error({ err }, 'unhandled rejection'));
      if (early) handler(early);
    },
  };
}

function shutdownHandler(sys: System, close: () => Promise<void>): (signal: NodeJS.Signals) => void {
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) {
      process.exit(1); // a second signal: stop waiting
    }
    signalled = true;
    sys.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      sys.log.error('shutdown took longer than 10 s; exiting');
      process.exit(1);
    }, 10_000);
    force.unref();
    close().then(
      () => process.exit(0),
      (err: unknown) => {
        sys.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  return onSignal;
}

/** Periodic cleanup of expired rows. Failures are logged; the next round tries again. */
async function runCleanup(sys: System): Promise<void> {
  const now = sys.now();
  try {
    const sessions = await sys.store.deleteExpiredSessions(now);
    const events = await sys.store.deleteExpiredEvents(now);
    const failures = await sys.store.deleteLoginFailuresBefore(now - sys.config.loginWindowMs);
    const challenges = await sys.store.deleteExpiredAuthChallenges(now);
    if (sessions + events + failures + challenges > 0) sys.log.debug({ sessions, events, failures, challenges }, 'cleanup');
  } catch (err) {
    sys.log.error({ err }, 'cleanup failed');
  }
}

function startFailure(e: unknown, dataDir: string): string {
  if (e instanceof IdentityError) return e.message;
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'EACCES' || err.code === 'EPERM' || err.code === 'EROFS') return `cannot write the data dir ${dataDir}: ${err.message}`;
  return `cannot open the data dir ${dataDir}: ${err.message ?? String(e)}`;
}

function listenFailure(e: unknown, host: string, port: number, metricsPort: number): string {
  const err = e as NodeJS.ErrnoException & { port?: number };
  const p = err.port ?? port;
  const which = metricsPort > 0 && p === metricsPort ? 'metrics port' : 'port';
  switch (err.code) {
    case 'EADDRINUSE': return `${which} ${p} on ${host} is already in use`;
    case 'EACCES': return `no permission to listen on ${host}:${p}`;
    case 'EADDRNOTAVAIL': return `${host} is not an address of this machine`;
    case 'ENOTFOUND': return `cannot resolve --host ${host}`;
    default: return `cannot listen on ${host}:${port}: ${err.message ?? String(e)}`;
  }
}
