/**
 * Self-update inside `run` (only for an agent installed as a service: see serviceUpdates()).
 *
 *   offer    verify (verify.ts) → download, check, swap (stage.ts), each step reported with
 *            `updateStatus`, then `restarting` and exit: systemd starts `current`, the guard first
 *   start    a trial of this version (update.json): no welcome before its deadline → exit 1, and
 *            the guard rolls back on the restart
 *   welcome  a trial of this version: good := current, `updated`, older versions removed;
 *            an outcome not yet reported (`updated`, `rolled-back`) is reported
 */
import { readdir, rm } from 'node:fs/promises';
import { SELF_UPDATE_CAPABILITY, type AgentPlatform, type AgentUpdateStatus, type ServerUpdate, type UpdateState } from '@meshwork/protocol/session/index';
import type { Logger } from '../connection/log.js';
import { text } from '../inventory/sanitize.js';
import { linkedVersion, replaceSymlink, versionTarget } from '../service/links.js';
import { versionDir, type Layout } from '../service/layout.js';
import { downloadUrl } from './download.js';
import { readUpdateRecord, writeUpdateRecord, type UpdateRecord } from './record.js';
import { stageAndSwap } from './stage.js';
import { UpdateRefusal, verifyOffer } from './verify.js';

/** A new version has this long after the swap to reach `welcome`. */
export const DEFAULT_TRIAL_MS = 5 * 60_000;

/** Sends one updateStatus on the live session; false when it is not live any more. */
export type StatusSender = (frame: AgentUpdateStatus) => boolean;

export interface UpdateContext {
  serverPublicKey: Uint8Array;
  /** The session's wss URL (the download comes from the same server). */
  url: string;
  send: StatusSender;
}

export interface UpdaterOptions {
  layout: Layout;
  stateDir: string;
  /** The running version. */
  version: string;
  platform: AgentPlatform | null;
  deviceId: string;
  trialMs?: number;
  log: Logger;
  /** The agent must end with this exit code (0: restart into the new version; 1: the trial failed). */
  exit(code: number, why: string): void;
  now?: () => number;
}

export class SelfUpdater {
  private busy = false;
  private trialTimer: NodeJS.Timeout | undefined;
  private record: UpdateRecord | undefined;
  private welcomed = false;
  private welcomes: Promise<void> = Promise.resolve();

  constructor(private readonly o: UpdaterOptions) {}

  readonly capabilities: readonly string[] = [SELF_UPDATE_CAPABILITY];

  private now(): number {
    return this.o.now?.() ?? Date.now();
  }

  /** Reads update.json; on a trial of this version, arms the deadline. */
  async start(): Promise<void> {
    this.record = await readUpdateRecord(this.o.stateDir, (m) => this.o.log.warn(m));
    const r = this.record;
    if (r?.state !== 'trial' || r.to !== this.o.version || this.welcomed) return;
    const left = Math.max(0, r.deadline - this.now());
    this.o.log.info('trial of a new version: waiting for the server', { from: r.from, to: r.to, seconds: Math.round(left / 1000) });
    this.trialTimer = setTimeout(() => this.o.exit(1, `version ${r.to} did not reach the server before the trial deadline`), left);
    this.trialTimer.unref?.();
  }

  stop(): void {
    clearTimeout(this.trialTimer);
  }

  /** After a welcome: finish a trial, report an outcome the server has not heard (one welcome at a time). */
  welcome(send: StatusSender): Promise<void> {
    this.welcomed = true;
    const next = this.welcomes.then(() => this.afterWelcome(send));
    this.welcomes = next.catch(() => undefined);
    return next;
  }

  private async afterWelcome(send: StatusSender): Promise<void> {
    let r = this.record ?? (await readUpdateRecord(this.o.stateDir));
    if (r?.state === 'trial' && r.to === this.o.version) {
      clearTimeout(this.trialTimer);
      const { layout } = this.o;
      if ((await linkedVersion(layout.current)) === this.o.version) await replaceSymlink(layout.good, versionTarget(this.o.version));
      r = { state: 'updated', from: r.from, to: r.to, at: this.now(), reported: false };
      await writeUpdateRecord(this.o.stateDir, r);
      this.o.log.info('updated', { from: r.from, to: r.to });
      await this.prune([r.to, r.from]);
    }
    this.record = r;
    if (r === undefined || r.state === 'trial' || r.reported) return;
    const sent = send({ type: 'updateStatus', version: r.to, state: r.state, ...(r.reason !== undefined ? { error: text(r.reason, 500) } : {}) });
    if (!sent) return;
    this.record = { ...r, reported: true };
    await writeUpdateRecord(this.o.stateDir, this.record);
  }

  /** An `update` frame: verify, stage, swap, exit — or report why not. */
  async offer(frame: ServerUpdate, ctx: UpdateContext): Promise<void> {
    const version = frame.offer.version;
    const report = (state: UpdateState, error?: string) => {
      ctx.send({ type: 'updateStatus', version, state, ...(error !== undefined ? { error: text(error, 500) } : {}) });
    };
    if (this.busy) return report('failed', 'another update is in progress');
    if (this.record?.state === 'trial') return report('failed', 'this agent is itself on trial after an update');
    this.busy = true;
    try {
      const offer = verifyOffer(frame, { serverPublicKey: ctx.serverPublicKey, deviceId: this.o.deviceId, platform: this.o.platform, version: this.o.version, now: this.now() });
      this.o.log.info('update offered', { from: this.o.version, to: offer.version, size: offer.size });
      await stageAndSwap({
        layout: this.o.layout,
        stateDir: this.o.stateDir,
        offer,
        url: downloadUrl(ctx.url, offer.url),
        from: this.o.version,
        trialMs: this.o.trialMs ?? DEFAULT_TRIAL_MS,
        step: (s) => report(s),
        now: () => this.now(),
      });
      this.record = await readUpdateRecord(this.o.stateDir);
      report('restarting');
      this.o.log.info('update installed: restarting into it', { to: offer.version });
      this.o.exit(0, `restarting into version ${offer.version}`);
    } catch (e) {
      const message = e instanceof UpdateRefusal ? e.message : `could not install the update: ${(e as Error).message}`;
      this.o.log.warn('update refused or failed', { version: text(version, 64), error: message });
      report('failed', message);
      this.busy = false;
    }
  }

  /** Removes every version directory except `keep`. */
  private async prune(keep: string[]): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.o.layout.versions);
    } catch {
      return;
    }
    for (const n of names) {
      if (keep.includes(n)) continue;
      await rm(versionDir(this.o.layout, n), { recursive: true, force: true }).catch((e: Error) => this.o.log.warn('could not remove an old version', { version: n, error: e.message }));
    }
  }
}
