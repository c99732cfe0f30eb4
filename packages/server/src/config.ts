/**
 * Server configuration: defaults < config file (DATA/config.json) < environment < flags.
 * Flags: --port, --host, --data, --name (extra certificate name, repeatable), --public-url
 * (repeatable), --metrics-port, --tls-cert, --tls-key. Env: MESHWORK_PORT, MESHWORK_HOST,
 * MESHWORK_DATA, MESHWORK_NAMES (comma list), MESHWORK_PUBLIC_URLS, MESHWORK_METRICS_PORT,
 * MESHWORK_TLS_CERT, MESHWORK_TLS_KEY, MESHWORK_LOG_LEVEL. Also --log-level, and --workers N
 * (MESHWORK_WORKERS; N > 1 runs N worker processes on one port, see cluster/primary.ts), and
 * --web-root DIR (MESHWORK_WEB_ROOT; default: the @meshwork/web package's dist/), and --agent-packages DIR
 * (MESHWORK_AGENT_PACKAGES, config key agentPackagesDir; default: dist/agent-packages at the repository
 * root, where `npm run build:agents` writes; empty: serve none). The config file may also
 * set the throttling and session limits (loginMaxFailures, loginWindowMs, sessionIdleMs, ...) and
 * the agent connection limits (agentHandshakeRate, agentHoldMs, agentTlsCertHashes, ...), the
 * admission limits of every HTTPS connection (acceptMaxPendingPerAddress, ...) and the pacing of
 * agent self-updates (agentUpdateConcurrency: offers in flight per worker, default 16;
 * agentUpdateTimeoutMs: how long one counts without an answer, default 10 min).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isValidCertName } from './identity/names.js';

export interface ServerConfig {
  host: string;
  port: number;
  dataDir: string;
  /** Extra DNS names / IPs for the HTTPS certificate (localhost and 127.0.0.1 always included). */
  names: string[];
  /** URLs agents and users reach this server on; recorded in the store for install files. */
  publicUrls: string[];
  /** Serve /metrics without auth on this separate port (bound to `host`); 0 = only behind auth. */
  metricsPort: number;
  /** User-supplied HTTPS certificate and key (PEM paths); replaces the generated one. */
  tlsCert: string | null;
  tlsKey: string | null;
  logLevel: string;
  /** Worker processes sharing the port (node:cluster); 1 = one process, no cluster. */
  workers: number;
  /** The built web UI (index.html + assets/); null = the @meshwork/web package's dist/. */
  webRoot: string | null;
  /** Agent executables to serve (manifest.json + files, agent-packages/); null = <repo>/dist/agent-packages, '' = none. */
  agentPackagesDir: string | null;
  /** Login throttling: failures allowed per network within the window. */
  loginMaxFailures: number;
  loginWindowMs: number;
  sessionIdleMs: number;
  sessionMaxMs: number;
  eventTtlMs: number;
  /** Agent control connections (ws/agent; config file only). New handshakes admitted per second … */
  agentHandshakeRate: number;
  /** … with bursts up to this many (token bucket). */
  agentHandshakeBurst: number;
  /** Handshakes in progress at once, TLS included; further connections wait at TCP accept (ws/agent/tls-admission.ts). */
  agentMaxPendingHandshakes: number;
  agentHandshakeTimeoutMs: number;
  /** An agent socket that sends no `hello` within this long after the upgrade is closed (a silent socket must not keep its slot). */
  agentHelloTimeoutMs: number;
  /** Every HTTPS connection: closed when its TLS ClientHello does not start within this long (ws/agent/tls-admission.ts). */
  acceptClientHelloTimeoutMs: number;
  /** Connections pending admission per source address and per network (IPv4 /24, IPv6 /64); beyond, closed at accept. */
  acceptMaxPendingPerAddress: number;
  acceptMaxPendingPerNetwork: number;
  /** WebSocket ping to every agent this often; an agent silent for agentIdleTimeoutMs is dropped. */
  agentPingIntervalMs: number;
  agentIdleTimeoutMs: number;
  /** A refused agent (bad signature, not enrolled, bad token, …) is held silently this long … */
  agentHoldMs: number;
  /** … up to this many sockets at once (beyond, refused sockets are closed at once). */
  agentMaxHeld: number;
  /** SHA-384 hex of TLS leaf certificates served in front of this server (TLS-offloading proxies). */
  agentTlsCertHashes: string[];
  /** Agent self-update (domain/updates; config file only): offers in flight per worker at once … */
  agentUpdateConcurrency: number;
  /** … each counted until its agent reports `restarting` or an end, disconnects, or this long passes. */
  agentUpdateTimeoutMs: number;
}

export const DEFAULTS: ServerConfig = {
  host: '127.0.0.1',
  port: 8443,
  dataDir: './data',
  names: [],
  publicUrls: [],
  metricsPort: 0,
  tlsCert: null,
  tlsKey: null,
  logLevel: 'info',
  workers: 1,
  webRoot: null,
  agentPackagesDir: null,
  loginMaxFailures: 10,
  loginWindowMs: 10 * 60_000,
  sessionIdleMs: 12 * 3600_000,
  sessionMaxMs: 7 * 24 * 3600_000,
  eventTtlMs: 20 * 24 * 3600_000,
  // About what a 2-core machine finishes (~4 ms of server CPU per handshake); raise on bigger
  // machines. Beyond these, connections wait at TCP accept (up to 12 s) instead of being refused;
  // in progress is the concurrency a handshake pipeline needs, more only adds latency.
  agentHandshakeRate: 200,
  agentHandshakeBurst: 200,
  agentMaxPendingHandshakes: 100,
  agentHandshakeTimeoutMs: 15_000,
  agentHelloTimeoutMs: 5_000,
  acceptClientHelloTimeoutMs: 2_000,
  // A site with more agents behind one address (NAT) than this: raise it, or those beyond reconnect later.
  acceptMaxPendingPerAddress: 64,
  acceptMaxPendingPerNetwork: 256,
  agentPingIntervalMs: 30_000,
  agentIdleTimeoutMs: 90_000,
  agentHoldMs: 60_000,
  agentMaxHeld: 1_000,
  agentTlsCertHashes: [],
  agentUpdateConcurrency: 16,
  agentUpdateTimeoutMs: 10 * 60_000,
};

export class ConfigError extends Error {}

const list = (s: string | undefined): string[] | undefined =>
  s === undefined ? undefined : s.split(',').map((x) => x.trim()).filter(Boolean);

function port(v: unknown, name: string): number {
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(`${name} must be a port number (0-65535), got ${String(v)}`);
  return n;
}

/** Parses argv (after `server start`) and env into a config. Throws ConfigError on bad values. */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): ServerConfig {
  try {
    return loadConfigUnchecked(argv, env);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    const code = (e as { code?: string }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) throw new ConfigError((e as Error).message);
    throw e;
  }
}

function loadConfigUnchecked(argv: string[], env: NodeJS.ProcessEnv): ServerConfig {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      data: { type: 'string' },
      name: { type: 'string', multiple: true },
      'public-url': { type: 'string', multiple: true },
      'metrics-port': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'log-level': { type: 'string' },
      workers: { type: 'string' },
      'web-root': { type: 'string' },
      'agent-packages': { type: 'string' },
    },
  });
  const dataDir = resolve(values.data ?? env.MESHWORK_DATA ?? DEFAULTS.dataDir);
  const file = readConfigFile(dataDir);
  const cfg: ServerConfig = { ...DEFAULTS, ...file, dataDir };
  const pick = <T>(flag: T | undefined, envv: T | undefined, cur: T): T => flag ?? envv ?? cur;
  cfg.host = pick(values.host, env.MESHWORK_HOST, cfg.host);
  cfg.port = port(pick<string | number>(values.port, env.MESHWORK_PORT, cfg.port), '--port');
  cfg.names = pick(values.name, list(env.MESHWORK_NAMES), cfg.names);
  cfg.publicUrls = pick(values['public-url'], list(env.MESHWORK_PUBLIC_URLS), cfg.publicUrls);
  cfg.metricsPort = port(pick<string | number>(values['metrics-port'], env.MESHWORK_METRICS_PORT, cfg.metricsPort), '--metrics-port');
  cfg.tlsCert = pick(values['tls-cert'], env.MESHWORK_TLS_CERT, cfg.tlsCert);
  cfg.tlsKey = pick(values['tls-key'], env.MESHWORK_TLS_KEY, cfg.tlsKey);
  cfg.logLevel = pick(values['log-level'], env.MESHWORK_LOG_LEVEL, cfg.logLevel);
  cfg.workers = workerCount(pick<string | number>(values.workers, env.MESHWORK_WORKERS, cfg.workers));
  cfg.webRoot = pick(values['web-root'], env.MESHWORK_WEB_ROOT, cfg.webRoot);
  if (cfg.webRoot !== null) cfg.webRoot = resolve(cfg.webRoot);
  cfg.agentPackagesDir = pick(values['agent-packages'], env.MESHWORK_AGENT_PACKAGES, cfg.agentPackagesDir);
  if (cfg.agentPackagesDir) cfg.agentPackagesDir = resolve(cfg.agentPackagesDir);
  if ((cfg.tlsCert === null) !== (cfg.tlsKey === null)) throw new ConfigError('--tls-cert and --tls-key go together');
  if (cfg.tlsCert !== null) cfg.tlsCert = resolve(cfg.tlsCert);
  if (cfg.tlsKey !== null) cfg.tlsKey = resolve(cfg.tlsKey);
  for (const n of cfg.names) if (!isValidCertName(n)) throw new ConfigError(`--name ${JSON.stringify(n)} is not a DNS name or IP address`);
  for (const u of cfg.publicUrls) if (!/^https:\/\/[^/\s]+\/?$/.test(u)) throw new ConfigError(`--public-url ${JSON.stringify(u)} must look like https://host[:port]`);
  if (!LOG_LEVELS.includes(cfg.logLevel)) throw new ConfigError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  for (const k of ['loginMaxFailures', 'loginWindowMs', 'sessionIdleMs', 'sessionMaxMs', 'eventTtlMs'] as const) {
    if (!Number.isInteger(cfg[k]) || cfg[k] < 1) throw new ConfigError(`${k} must be a positive integer`);
  }
  for (const k of AGENT_NUMBER_KEYS) {
    if (!Number.isInteger(cfg[k]) || cfg[k] < 1) throw new ConfigError(`${k} must be a positive integer`);
  }
  if (cfg.agentIdleTimeoutMs <= cfg.agentPingIntervalMs) throw new ConfigError('agentIdleTimeoutMs must be longer than agentPingIntervalMs');
  for (const h of cfg.agentTlsCertHashes) {
    if (!/^[0-9a-f]{96}$/.test(h)) throw new ConfigError(`agentTlsCertHashes: ${JSON.stringify(h)} is not a SHA-384 hex digest (96 lowercase hex characters)`);
  }
  if (!cfg.host) throw new ConfigError('--host must not be empty');
  return cfg;
}

/** One process holds < 20,000 sockets here (fd limit), so 50,000 agents need 3+; 64 is a sanity cap. */
export const MAX_WORKERS = 64;

function workerCount(v: unknown): number {
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS) throw new ConfigError(`--workers must be a whole number from 1 to ${MAX_WORKERS}, got ${String(v)}`);
  return n;
}

const AGENT_NUMBER_KEYS = [
  'agentHandshakeRate', 'agentHandshakeBurst', 'agentMaxPendingHandshakes', 'agentHandshakeTimeoutMs',
  'agentPingIntervalMs', 'agentIdleTimeoutMs', 'agentHoldMs', 'agentMaxHeld', 'agentHelloTimeoutMs',
  'acceptClientHelloTimeoutMs', 'acceptMaxPendingPerAddress', 'acceptMaxPendingPerNetwork',
  'agentUpdateConcurrency', 'agentUpdateTimeoutMs',
] as const;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Keys a config file may set, with the JSON type each must have. */
const FILE_KEYS: Record<string, 'string' | 'number' | 'string[]' | 'string|null'> = {
  host: 'string', port: 'number', names: 'string[]', publicUrls: 'string[]', metricsPort: 'number',
  tlsCert: 'string|null', tlsKey: 'string|null', logLevel: 'string', workers: 'number', webRoot: 'string|null', agentPackagesDir: 'string|null', loginMaxFailures: 'number',
  loginWindowMs: 'number', sessionIdleMs: 'number', sessionMaxMs: 'number', eventTtlMs: 'number',
  ...Object.fromEntries(AGENT_NUMBER_KEYS.map((k) => [k, 'number' as const])),
  agentTlsCertHashes: 'string[]',
};

function checkFileValue(key: string, v: unknown): boolean {
  switch (FILE_KEYS[key]) {
    case 'string': return typeof v === 'string';
    case 'number': return typeof v === 'number';
    case 'string[]': return Array.isArray(v) && v.every((x) => typeof x === 'string');
    case 'string|null': return v === null || typeof v === 'string';
    default: return false;
  }
}

function readConfigFile(dataDir: string): Partial<ServerConfig> {
  let text: string;
  try {
    text = readFileSync(join(dataDir, 'config.json'), 'utf8');
  } catch {
    return {};
  }
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    for (const [k, x] of Object.entries(v)) {
      if (!(k in FILE_KEYS)) throw new Error(`unknown key ${JSON.stringify(k)}`);
      if (!checkFileValue(k, x)) throw new Error(`${k} must be ${FILE_KEYS[k] ?? '?'}`);
    }
    return v as Partial<ServerConfig>;
  } catch (e) {
    throw new ConfigError(`${join(dataDir, 'config.json')}: ${(e as Error).message}`);
  }
}

/** Store setting holding the URLs the server last served on (read by install files and server.info). */
export const SERVER_URLS_SETTING = 'serverUrls';

/** The URLs this server is reachable on, for install files: configured ones, else the bind address. */
export function serverUrls(cfg: ServerConfig, boundPort: number): string[] {
  if (cfg.publicUrls.length > 0) return cfg.publicUrls;
  const host = cfg.host === '0.0.0.0' || cfg.host === '::' ? '127.0.0.1' : cfg.host;
  const h = host.includes(':') ? `[${host}]` : host;
  return [`https://${h}:${boundPort}`];
}
