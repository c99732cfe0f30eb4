/**
 * The self-update offers of one worker's agents (built by the agent endpoint, like its command relay).
 *
 *   session   an agent past `welcome`: its version is noted (store), then — after a short grace in
 *             which a restarted agent reports how its last update ended — it is considered: it must
 *             have announced `self-update`, run on a platform the server has a package of another
 *             version for, be in a group whose policy lets that version through (release.ts), not
 *             have failed or rolled back that version (until a retry), and not be just back from a
 *             restart into it (its outcome is on its way)
 *   pacing    at most `concurrency` offers in flight on this worker; the others wait in arrival
 *             order. An offer stays in flight until its agent reports `restarting` or an end,
 *             disconnects, or `timeoutMs` passes
 *   status    updateStatus frames: stored, an event per step, outcomes release canary versions
 *   retry     a retry (any worker) forgets the device's failures and reconsiders it where it is held
 *   release   a connected fleet is not left waiting for its next reconnect: when a canary device's
 *             `updated` releases a version, or a group's policy changes, every worker drops its
 *             canary verdicts and reconsiders all its sessions (spread over RECONSIDER_SPREAD_MS;
 *             the pacing still applies)
 *
 * Work of one device (notes, statuses, offers) runs in order.
 */
import {
  agentPlatformOf, SELF_UPDATE_CAPABILITY, type AgentPlatform, type AgentUpdateStatus, type ServerSessionFrame,
} from '@meshwork/protocol';
import type { System } from '../../system.js';
import type { Capabilities } from '../agents/capabilities.js';
import { directWrites, type WriteFn } from '../agents/group-commit.js';
import { signedOffer } from './offer.js';
import { ReleaseGate } from './release.js';
import { DONE_DOWNLOADING, noteRunning, OUTCOMES, recordOffered, recordStatus } from './state.js';

/** Bus channel: a device's failures were forgotten (retry); whichever worker holds it reconsiders it. */
export const AGENT_UPDATES_CHANNEL = 'agent-updates';

export type AgentUpdatesMessage = { type: 'reconsider'; deviceId: string } | { type: 'reconsiderAll' };

function isMessage(m: unknown): m is AgentUpdatesMessage {
  if (typeof m !== 'object' || m === null) return false;
  const o = m as Record<string, unknown>;
  return (o.type === 'reconsider' && typeof o.deviceId === 'string') || o.type === 'reconsiderAll';
}

/** Every worker reconsiders all its sessions (a version was released, or a policy changed). */
export const reconsiderAll = (sys: Pick<System, 'bus'>): Promise<void> => sys.bus.publish(AGENT_UPDATES_CHANNEL, { type: 'reconsiderAll' } satisfies AgentUpdatesMessage);

/** A sweep of all sessions is spread over up to this long (one worker may hold thousands). */
export const RECONSIDER_SPREAD_MS = 10_000;

/** What the updater needs of an agent connection. */
export interface UpdateSession {
  readonly deviceId: string | null;
  readonly groupId: string | null;
  /** What the agent said in auth.info; null when it sent none. */
  readonly agent: { readonly version: string; readonly platform: string; readonly arch: string } | null;
  readonly capabilities: Capabilities;
  /** True while the connection is a live session. */
  live(): boolean;
  deliver(frame: ServerSessionFrame): boolean;
}

export interface UpdaterOptions {
  concurrency: number;
  timeoutMs: number;
  /** Wait after welcome before considering an offer (a restarted agent reports its outcome first). */
  graceMs: number;
}

export const DEFAULT_GRACE_MS = 2_000;

interface InFlight {
  session: UpdateSession;
  version: string;
  timer: NodeJS.Timeout;
}

export class AgentUpdater {
  private readonly gate: ReleaseGate;
  private readonly inFlight = new Map<string, InFlight>();
  /** Sessions waiting for a slot, by device id, in arrival order. */
  private readonly waiting = new Map<string, UpdateSession>();
  private readonly graceTimers = new Map<UpdateSession, NodeJS.Timeout>();
  private readonly work = new Map<string, Promise<void>>();
  private unsubscribe: (() => void) | null = null;
  /** Versions whose release this worker announced. */
  private readonly announced = new Set<string>();

  constructor(
    private readonly sys: System,
    private readonly opts: UpdaterOptions,
    /** This worker's live sessions: of a device, and all of them. */
    private readonly sessions: { of(deviceId: string): Iterable<UpdateSession>; all(): Iterable<UpdateSession> },
    /** Store writes of handshakes, group-committed (the endpoint's). */
    private readonly write: WriteFn = directWrites(sys.store),
  ) {
    this.gate = new ReleaseGate(sys, () => sys.now());
  }

  start(): void {
    this.unsubscribe = this.sys.bus.subscribe(AGENT_UPDATES_CHANNEL, (m) => {
      if (!isMessage(m)) return this.sys.log.warn({ channel: AGENT_UPDATES_CHANNEL }, 'malformed bus message ignored');
      if (m.type === 'reconsider') {
        for (const s of this.sessions.of(m.deviceId)) this.schedule(s, 0);
        return;
      }
      this.gate.clear();
      const all = [...this.sessions.all()].filter((s) => s.capabilities?.has(SELF_UPDATE_CAPABILITY) === true);
      const spread = Math.min(RECONSIDER_SPREAD_MS, all.length); // about 1 ms apart
      for (const s of all) if (s.deviceId !== null && !this.inFlight.has(s.deviceId) && !this.waiting.has(s.deviceId)) this.schedule(s, Math.random() * spread);
    });
  }

  stop(): void {
    this.unsubscribe?.();
    for (const t of this.graceTimers.values()) clearTimeout(t);
    for (const f of this.inFlight.values()) clearTimeout(f.timer);
    this.graceTimers.clear();
    this.inFlight.clear();
    this.waiting.clear();
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  get waitingCount(): number {
    return this.waiting.size;
  }

  /** An agent is past `welcome`. */
  onSession(s: UpdateSession): void {
    const deviceId = s.deviceId;
    if (deviceId === null || s.agent === null) return;
    const { version } = s.agent;
    const platform = agentPlatformOf(s.agent.platform, s.agent.arch);
    this.serial(deviceId, () => noteRunning(this.sys, this.write, deviceId, version, platform));
    if (s.capabilities?.has(SELF_UPDATE_CAPABILITY) === true && platform !== null) this.schedule(s, this.opts.graceMs);
  }

  /** An updateStatus frame (validated and rate-limited by the connection). */
  onStatus(s: UpdateSession, status: AgentUpdateStatus): void {
    const { deviceId, groupId } = s;
    if (deviceId === null || groupId === null) return;
    this.sys.metrics.inc('meshwork_agent_update_status_total', { state: status.state });
    const f = this.inFlight.get(deviceId);
    if (f?.session === s && f.version === status.version && DONE_DOWNLOADING.has(status.state)) this.release(deviceId);
    this.serial(deviceId, async () => {
      await recordStatus(this.sys, deviceId, groupId, status, s.agent?.version ?? null);
      if (OUTCOMES.has(status.state)) this.gate.forget(status.version);
      if (status.state === 'updated') await this.announceIfReleased(groupId, status.version);
    });
  }

  /** The connection closed. */
  onClosed(s: UpdateSession): void {
    const deviceId = s.deviceId;
    clearTimeout(this.graceTimers.get(s));
    this.graceTimers.delete(s);
    if (deviceId === null) return;
    if (this.waiting.get(deviceId) === s) this.waiting.delete(deviceId);
    if (this.inFlight.get(deviceId)?.session === s) this.release(deviceId);
  }

  /** A canary device updated: when that releases the version, every worker reconsiders its sessions (once per version here). */
  private async announceIfReleased(groupId: string, version: string): Promise<void> {
    if (this.announced.has(version) || (await this.sys.store.getAgentUpdatePolicy(groupId)) !== 'canary') return;
    if ((await this.gate.verdict(version)) !== 'released') return;
    if (this.announced.size > 64) this.announced.clear();
    this.announced.add(version);
    await reconsiderAll(this.sys);
  }

  private schedule(s: UpdateSession, delayMs: number): void {
    clearTimeout(this.graceTimers.get(s));
    const timer = setTimeout(() => {
      this.graceTimers.delete(s);
      if (s.deviceId !== null) this.serial(s.deviceId, () => this.consider(s));
    }, delayMs);
    timer.unref();
    this.graceTimers.set(s, timer);
  }

  /** The version to offer this session, or null (see the header for the rules). */
  async offerable(s: UpdateSession): Promise<{ platform: AgentPlatform; version: string } | null> {
    const { deviceId, groupId, agent } = s;
    if (deviceId === null || groupId === null || agent === null || !s.live()) return null;
    if (s.capabilities?.has(SELF_UPDATE_CAPABILITY) !== true) return null;
    const platform = agentPlatformOf(agent.platform, agent.arch);
    const pkg = platform !== null ? this.sys.agentPackages.get(platform) : undefined;
    if (platform === null || !pkg || pkg.version === agent.version) return null;
    const policy = await this.sys.store.getAgentUpdatePolicy(groupId);
    if (!(await this.gate.allows(policy, pkg.version))) return null;
    const outcomes = await this.sys.store.listAgentUpdateOutcomes(deviceId);
    if (outcomes.some((o) => o.version === pkg.version && o.outcome !== 'updated')) return null;
    const row = await this.sys.store.getAgentUpdate(deviceId);
    // Back from a restart into the offered version, but not running it: rolled back, and the report is on its way.
    if (row?.state === 'restarting' && row.target === pkg.version && this.sys.now() - row.at < this.opts.timeoutMs) return null;
    return { platform, version: pkg.version };
  }

  private async consider(s: UpdateSession): Promise<void> {
    const deviceId = s.deviceId;
    if (deviceId === null || this.inFlight.has(deviceId)) return;
    const target = await this.offerable(s);
    if (target === null) return;
    if (this.inFlight.size >= this.opts.concurrency) {
      this.waiting.delete(deviceId);
      this.waiting.set(deviceId, s);
      this.gauges();
      return;
    }
    await this.send(s, deviceId, target.platform);
  }

  private async send(s: UpdateSession, deviceId: string, platform: AgentPlatform): Promise<void> {
    if (this.inFlight.has(deviceId) || !s.live() || s.groupId === null) return;
    const frame = signedOffer(this.sys, deviceId, platform);
    if (frame === null || !s.deliver(frame)) return;
    const timer = setTimeout(() => this.release(deviceId), this.opts.timeoutMs);
    timer.unref();
    this.inFlight.set(deviceId, { session: s, version: frame.offer.version, timer });
    this.sys.metrics.inc('meshwork_agent_update_offers_total');
    this.gauges();
    await recordOffered(this.sys, deviceId, s.groupId, frame.offer.version, s.agent?.version ?? '');
  }

  private release(deviceId: string): void {
    const f = this.inFlight.get(deviceId);
    if (!f) return;
    clearTimeout(f.timer);
    this.inFlight.delete(deviceId);
    this.pump();
    this.gauges();
  }

  /** Moves waiting sessions into free slots (each is considered again: things may have changed). */
  private pump(): void {
    let free = this.opts.concurrency - this.inFlight.size;
    for (const [deviceId, s] of this.waiting) {
      if (free <= 0) break;
      this.waiting.delete(deviceId);
      if (!s.live()) continue;
      free--;
      this.serial(deviceId, () => this.consider(s));
    }
  }

  private gauges(): void {
    this.sys.metrics.set('meshwork_agent_updates_in_flight', this.inFlight.size);
    this.sys.metrics.set('meshwork_agent_updates_waiting', this.waiting.size);
  }

  /** Runs work of one device in order; a failure is logged (the agent is offered again on its next connection). */
  private serial(deviceId: string, task: () => Promise<void>): void {
    const prev = this.work.get(deviceId) ?? Promise.resolve();
    const run = prev.then(task).catch((err: unknown) => this.sys.log.error({ err, deviceId }, 'agent update work failed'));
    this.work.set(deviceId, run);
    void run.then(() => {
      if (this.work.get(deviceId) === run) this.work.delete(deviceId);
    });
  }

  /** Resolves when the queued work of a device is done (tests). */
  idle(deviceId: string): Promise<void> {
    return this.work.get(deviceId) ?? Promise.resolve();
  }
}
