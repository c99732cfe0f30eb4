/**
 * The running agent: an opened identity + an install file → a connection kept up forever, the
 * inventory reporter, network watching, status.json and the enrolment record. `run` in the CLI adds
 * the lock, the install-file copy, the identity and the signals around it.
 */
import os from 'node:os';
import type { AgentInfo } from '@meshwork/protocol/agent/index';
import type { InstallFile } from '@meshwork/protocol/api/models';
import { REPORT_PARTS_CAPABILITY } from '@meshwork/protocol/session/index';
import { PRODUCT_VERSION } from '@meshwork/protocol/version';
import { Connection, type ConnectionEvents, type RetryReason } from '../connection/connection.js';
import { silentLogger, type Logger } from '../connection/log.js';
import { NetWatch, type InterfacesReader } from '../connection/netwatch.js';
import type { SessionEnd } from '../connection/session.js';
import { DEFAULT_TIMING, type AgentTiming } from '../connection/timing.js';
import { agentWsUrl } from '../connection/url.js';
import type { AgentIdentity } from '../identity/identity.js';
import { collectSoftware, collectSystem } from '../inventory/index.js';
import { Reporter, type Collectors, type ReportKind } from '../inventory/reporter.js';
import { text } from '../inventory/sanitize.js';
import { StatusWriter } from '../status/status-file.js';
import { EnrolmentRecorder } from './enrolment.js';
import { RelayManager, type RelayHandlers } from '../relay/manager.js';
import { terminalHandler } from '../terminal/terminal.js';
import { filesHandler } from '../files/session.js';
import { tcpHandler } from '../forward/tcp.js';
import { AgentCommands } from '../commands/commands.js';
import { SelfUpdater, type UpdaterOptions } from '../update/updater.js';

/** What this agent can do, announced in `auth.info.capabilities` (`report-parts`: it sends large reports in parts). */
export const AGENT_CAPABILITIES: readonly string[] = ['inventory', 'software', 'terminal', 'files', 'tcp', 'commands', 'power', 'wake', REPORT_PARTS_CAPABILITY];

export interface AgentEvents extends ConnectionEvents {
  report?(kind: ReportKind, hash: string): void;
}

export interface AgentOptions {
  stateDir: string;
  install: InstallFile;
  identity: AgentIdentity;
  timing?: Partial<AgentTiming>;
  log?: Logger;
  events?: AgentEvents;
  /** Defaults: the Linux collectors of ../inventory. */
  collectors?: Collectors;
  random?: () => number;
  /** Source of the network addresses the change detection compares (tests fake it). */
  networkInterfaces?: InterfacesReader;
  /** Relay protocol handlers (defaults: pty terminal, files, tcp forwarding). */
  relayHandlers?: RelayHandlers;
  /** The environment commands, power and wake read (LANG, MESHWORK_AGENT_POWER_COMMAND, MESHWORK_AGENT_WOL_TARGET). Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Self-update, for an agent installed as a service (update/service.ts); absent: offers are ignored and `self-update` is not announced. */
  updates?: Omit<UpdaterOptions, 'stateDir' | 'deviceId' | 'log'>;
}

export interface AgentStats {
  attempts: number;
  backoffFailures: number;
  connected: boolean;
  /** Live sessions (0 or 1). */
  sessions: number;
  /** Report snapshots the server does not hold yet (0–2). */
  pendingReports: number;
  /** status.json writes waiting or in flight (0–2). */
  statusWrites: number;
  /** What the connection is waiting for before the next attempt, if it is waiting. */
  waiting: RetryReason | null;
}

const describeEnd = (end: SessionEnd): string => text(`${end.kind}: ${end.message}`, 500);

export function agentInfo(install: InstallFile, extraCapabilities: readonly string[] = []): AgentInfo {
  return {
    agentVersion: PRODUCT_VERSION,
    platform: text(process.platform, 32),
    arch: text(process.arch, 32),
    hostname: text(os.hostname(), 255),
    // What enrols: a token or the group's key (an install file has at most one). The group id is
    // not sent: it is a plain identifier and enrols nothing.
    ...(install.enrolmentToken !== undefined ? { enrolmentToken: install.enrolmentToken } : {}),
    ...(install.enrolmentKey !== undefined ? { enrolmentKey: install.enrolmentKey } : {}),
    capabilities: [...AGENT_CAPABILITIES, ...extraCapabilities],
  };
}

export class Agent {
  private readonly connection: Connection;
  private readonly reporter: Reporter;
  private readonly status: StatusWriter;
  private readonly enrolment: EnrolmentRecorder;
  private readonly netwatch: NetWatch;
  private readonly relays: RelayManager;
  private readonly commands: AgentCommands;
  private readonly updater: SelfUpdater | undefined;
  private readonly log: Logger;
  /** Counts connection ups and downs: a late enrolment write must not mark a lost session connected. */
  private sessions = 0;

  constructor(o: AgentOptions) {
    const timing = { ...DEFAULT_TIMING, ...o.timing };
    const log = o.log ?? silentLogger;
    this.log = log;
    const ev = o.events ?? {};
    this.updater = o.updates ? new SelfUpdater({ ...o.updates, stateDir: o.stateDir, deviceId: o.identity.deviceId, log }) : undefined;
    const updateError = (e: Error) => log.warn('self-update bookkeeping failed', { error: e.message });
    const fileError = (what: string) => (e: Error) => log.warn(`could not write ${what}`, { error: e.message });
    this.status = new StatusWriter(o.stateDir, fileError('status.json'));
    this.enrolment = new EnrolmentRecorder(o.stateDir, o.install.serverId, fileError('the enrolment record'));
    this.commands = new AgentCommands({ env: o.env ?? process.env, log });
    this.relays = new RelayManager({ handlers: o.relayHandlers ?? { terminal: terminalHandler(), files: filesHandler(), tcp: tcpHandler() }, log });
    this.reporter = new Reporter({
      collectors: o.collectors ?? { system: () => collectSystem(PRODUCT_VERSION), software: collectSoftware },
      timing,
      log,
      onSent: (kind, hash) => ev.report?.(kind, hash),
    });
    this.connection = new Connection({
      urls: o.install.serverUrls.map(agentWsUrl),
      serverId: o.install.serverId,
      identity: o.identity,
      info: () => agentInfo(o.install, this.updater?.capabilities),
      timing,
      log,
      ...(o.random ? { random: o.random } : {}),
      events: {
        attempt: (url) => ev.attempt?.(url),
        retry: (r) => ev.retry?.(r),
        up: (w, url, link) => {
          // The enrolment reaches disk first, so a `status` that says connected also says enrolled.
          const session = ++this.sessions;
          void this.enrolment.record(w).then(() => {
            if (session === this.sessions) this.status.update({ connected: true, serverUrl: url });
          });
          this.reporter.attach(link);
          this.updater?.welcome((f) => link.updateStatus(f)).catch(updateError);
          ev.up?.(w, url, link);
        },
        command: (f, link) => {
          this.commands.handle(f, link);
          ev.command?.(f, link);
        },
        relayOpen: (r, ctx) => {
          this.relays.open(r, ctx);
          ev.relayOpen?.(r, ctx);
        },
        update: (f, link) => {
          this.updater?.offer(f, link).catch(updateError);
          ev.update?.(f, link);
        },
        known: (k) => {
          this.reporter.known(k);
          ev.known?.(k);
        },
        down: (end, url) => {
          this.sessions++;
          this.reporter.detach();
          this.status.update({ connected: false, ...(end.kind !== 'stopped' ? { lastError: describeEnd(end) } : {}) });
          ev.down?.(end, url);
        },
      },
    });
    this.netwatch = new NetWatch(
      timing.netPollMs,
      () => {
        log.info('network addresses changed');
        this.connection.networkChanged();
        void this.reporter.refresh('inventory');
      },
      o.networkInterfaces,
    );
  }

  start(): this {
    this.updater?.start().catch((e: Error) => this.log.warn('could not read update.json', { error: e.message }));
    this.status.update({ connected: false });
    this.reporter.start();
    this.netwatch.start();
    this.connection.start();
    return this;
  }

  /** Closes the session, stops every timer, and leaves status.json saying "not connected". */
  async stop(): Promise<void> {
    this.netwatch.stop();
    this.updater?.stop();
    this.reporter.stop();
    this.relays.stop();
    await this.commands.stop();
    await this.connection.stop();
    this.status.update({ connected: false });
    await this.status.flush();
    await this.enrolment.flush();
  }

  /** Checks the network now (tests; the poller does it every netPollMs). */
  checkNetwork(): boolean {
    return this.netwatch.check();
  }

  stats(): AgentStats {
    const c = this.connection.stats();
    return {
      attempts: c.attempts,
      backoffFailures: c.backoffFailures,
      connected: c.connected,
      sessions: c.sessions,
      pendingReports: this.reporter.pending(),
      statusWrites: this.status.queued(),
      waiting: c.waiting,
    };
  }
}
