/**
 * The composition root's builder: the one place a concrete store is chosen and every long-lived
 * part of the System is constructed. Used by the server process (main.ts) and the CLI's local
 * mode (local.ts), so both get the same identity and the same store.
 */
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { openSqliteStore } from '@meshwork/store-sqlite';
import { createAuthz } from './authz/authz.js';
import { linkKeyFrom } from './agent-packages/links.js';
import { loadAgentPackages } from './agent-packages/registry.js';
import { InProcessBus, type Bus } from './bus/bus.js';
import type { ServerConfig } from './config.js';
import { createEventService } from './domain/events/service.js';
import { InProcessRelaySessions } from './domain/relay/registry.js';
import { createCommandService } from './domain/commands/service.js';
import { loadIdentity } from './identity/identity.js';
import { createMetrics } from './metrics/metrics.js';
import type { System } from './system.js';

export interface BuildOptions {
  /** Defaults to structured JSON logs on stdout at config.logLevel. */
  log?: Logger;
  /** Defaults to an in-process bus (one process); cluster workers pass their IpcBus. */
  bus?: Bus;
  /** A cluster worker's slot (1..N): the first character of the relay secrets it issues. */
  workerSlot?: number;
  /** false: take the agent-package manifest without looking at the files (local mode, the cluster primary). */
  checkAgentPackages?: boolean;
}

export const DB_FILE = 'meshwork.db';

export function createLogger(level: string, fd: 1 | 2 = 1): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.destination({ fd, sync: true }),
  );
}

export async function buildSystem(config: ServerConfig, opts: BuildOptions = {}): Promise<System> {
  const log = opts.log ?? createLogger(config.logLevel);
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const identity = await loadIdentity({ dataDir: config.dataDir, names: config.names, tlsCert: config.tlsCert, tlsKey: config.tlsKey });
  if (identity.generated) log.info({ serverId: identity.serverId }, 'server identity generated');
  const store = await openSqliteStore(join(config.dataDir, DB_FILE));
  const bus = opts.bus ?? new InProcessBus(`${hostname()}-${process.pid}`);
  const now = (): number => Date.now();
  const events = createEventService(store, bus, now, config.eventTtlMs);
  const agentPackages = await loadAgentPackages({
    dir: config.agentPackagesDir, linkKey: linkKeyFrom(identity.agentSigningKey), now, log, checkAtStart: opts.checkAgentPackages !== false,
  });
  return {
    config,
    log,
    store,
    identity,
    bus,
    authz: createAuthz(store),
    events,
    relay: new InProcessRelaySessions(undefined, opts.workerSlot ?? 0),
    commands: createCommandService({ bus, log, store, events, now }),
    agentPackages,
    metrics: createMetrics(),
    now,
  };
}

/** Releases what buildSystem opened (bus, store). */
export async function closeSystem(sys: System): Promise<void> {
  sys.commands.close();
  await sys.bus.close();
  await sys.store.close();
}
