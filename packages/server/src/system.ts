/**
 * The System: every long-lived part of a running server, built once by the composition root
 * (main.ts / system-builder.ts) and passed to handlers. Nothing reaches shared state any other way.
 */
import type { DeviceGroupRecord, Store, UserRecord, EventRecord } from '@meshwork/store';
import type { Capability, SiteRightName } from '@meshwork/protocol';
import type { Logger } from 'pino';
import type { ServerConfig } from './config.js';
import type { ServerIdentity } from './identity/identity.js';
import type { Bus } from './bus/bus.js';
import type { RelaySessions } from './domain/relay/registry.js';
import type { CommandService } from './domain/commands/service.js';
import type { PrincipalRights } from './authz/principal.js';
import type { AgentPackages } from './agent-packages/registry.js';

/** Who is making a request. `local` is the CLI working directly on a data dir (filesystem trust). */
export interface Principal {
  user: UserRecord;
  via: 'session' | 'token' | 'local';
  sessionId?: string;
  csrfToken?: string;
  tokenId?: string;
  /** Sessions: when the user last proved who they are (the login that started the session). */
  authAt?: number;
}

/** Authorization: the only place rights are resolved. Every handler asks it before acting. */
export interface Authz {
  /** The principal's rights, resolved once per principal object (one request) and memoised. */
  forPrincipal(p: Principal): PrincipalRights;
  /** Another user's rights (the target of an account operation), resolved afresh. */
  forUser(u: UserRecord): PrincipalRights;
  /** Drops the memo of `p` (after a change to its own links or memberships within the request). */
  forget(p: Principal): void;
  isSiteAdmin(p: Principal): boolean;
  /** Throws ApiError('forbidden') unless the principal is admin or holds the site right. */
  requireSite(p: Principal, right: SiteRightName): void;
  /** Effective rights mask of the principal on a device group (0 = no access). */
  groupMask(p: Principal, groupId: string): Promise<number>;
  /** The same for a group record already read (no existence check: one resolution per request). */
  listedGroupMask(p: Principal, group: DeviceGroupRecord): Promise<number>;
  /**
   * Throws ApiError('not_found') when the principal cannot see the group at all (or it does not
   * exist), and ApiError('forbidden') when it can see the group but lacks the capability.
   */
  requireGroup(p: Principal, groupId: string, cap: Capability): Promise<void>;
  /** Resolves the device and checks the capability on its group; not_found otherwise. */
  requireDevice(p: Principal, deviceId: string, cap: Capability): Promise<import('@meshwork/store').DeviceRecord>;
  /** Ids of the device groups the principal can see (undefined = all, for site admins). */
  visibleGroupIds(p: Principal): Promise<string[] | undefined>;
  /** Ids that make an event visible to this principal (user id, its user groups, its device groups). */
  eventAudience(p: Principal): Promise<string[] | undefined>;
}

export interface NewEvent {
  type: string;
  message: string;
  actorId?: string | null;
  deviceId?: string | null;
  groupId?: string | null;
  data?: Record<string, unknown>;
  /** Extra ids allowed to see it; the device group and the actor are added automatically. */
  visibleTo?: string[];
  /**
   * Instead: exactly these ids (and the actor, and site admins) may see it — not the device group's
   * audience, nor holders of the allEvents site right. For what only some of a group may see.
   */
  onlyVisibleTo?: string[];
}

/** Records events (store) and fans them out (bus → browser streams). */
export interface EventService {
  emit(e: NewEvent): Promise<EventRecord>;
}

export interface System {
  config: ServerConfig;
  log: Logger;
  store: Store;
  identity: ServerIdentity;
  bus: Bus;
  authz: Authz;
  events: EventService;
  /** Relay sessions waiting to be paired (domain/relay, ws/relay). */
  relay: RelaySessions;
  /** Recent runs and request/answer with agents: commands, power, Wake-on-LAN (domain/commands). */
  commands: CommandService;
  /** Agent executables served to installers and for self-update, with their download links (agent-packages/). */
  agentPackages: AgentPackages;
  /** Counters exposed on /metrics. */
  metrics: Metrics;
  /** Clock in epoch ms; replaceable in tests. */
  now(): number;
}

export interface Metrics {
  inc(name: string, labels?: Record<string, string>, by?: number): void;
  set(name: string, value: number, labels?: Record<string, string>): void;
  render(): string;
}
