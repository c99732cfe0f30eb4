/**
 * The agent's connection life: one session at a time, forever, until stop().
 *
 *  - URLs from the install file are tried in turn; a round that fails everywhere ends with a
 *    backoff delay (jittered exponential, see backoff.ts), the next URL in a round follows after
 *    betweenUrlsMs. After a session that was welcomed, the same URL is retried first.
 *  - A server's delay (`later`, `refused.retryAfterMs`, HTTP Retry-After) replaces the backoff delay
 *    and starts the failure ladder over: the server's admission never pushes an agent up it.
 *  - The backoff resets when a welcomed session lasted stableMs, and on a network change (which
 *    also cuts a backoff wait short — never a server-imposed one).
 *  - Nothing accumulates while the server is unreachable: one session object, one timer.
 */
import type { AgentInfo, ServerWelcome } from '@meshwork/protocol/agent/index';
import type { ServerCommandFrame } from '@meshwork/protocol/commands/frames';
import type { ServerRelayOpen } from '@meshwork/protocol/relay/index';
import type { ServerKnown, ServerUpdate } from '@meshwork/protocol/session/index';
import type { RelayContext } from '../relay/dial.js';
import type { AuthIdentity } from '../identity/proof.js';
import { Backoff } from './backoff.js';
import type { Logger } from './log.js';
import { AgentSession, type CommandLink, type SessionEnd, type SessionLink, type UpdateLink } from './session.js';
import type { AgentTiming } from './timing.js';

export type RetryReason = 'backoff' | 'next_url' | 'server';

export interface ConnectionEvents {
  attempt?(url: string): void;
  up?(welcome: ServerWelcome, url: string, link: SessionLink): void;
  known?(known: ServerKnown): void;
  relayOpen?(open: ServerRelayOpen, ctx: RelayContext): void;
  command?(frame: ServerCommandFrame, link: CommandLink): void;
  update?(frame: ServerUpdate, link: UpdateLink): void;
  down?(end: SessionEnd, url: string): void;
  retry?(r: { delayMs: number; reason: RetryReason }): void;
}

export interface ConnectionOptions {
  /** wss URLs, in the order to try them. */
  urls: string[];
  serverId: string;
  identity: AuthIdentity;
  info: () => AgentInfo;
  timing: AgentTiming;
  log: Logger;
  events?: ConnectionEvents;
  random?: () => number;
}

export interface ConnectionStats {
  attempts: number;
  /** Consecutive failures the backoff counts (0 after a reset). */
  backoffFailures: number;
  /** Sessions in existence: 0 or 1. */
  sessions: number;
  connected: boolean;
  waiting: RetryReason | null;
}

interface Wait {
  reason: RetryReason;
  until: number;
  timer: NodeJS.Timeout;
  resolve: () => void;
}

export class Connection {
  private readonly backoff: Backoff;
  private stopped = false;
  private session: AgentSession | undefined;
  private connected = false;
  private wait: Wait | undefined;
  private attempts = 0;
  private loopDone: Promise<void> | undefined;

  constructor(private readonly o: ConnectionOptions) {
    if (o.urls.length === 0) throw new Error('no server URL to connect to');
    this.backoff = new Backoff(o.timing, o.random);
  }

  start(): void {
    this.loopDone ??= this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.endWait();
    this.session?.stop();
    await this.loopDone;
  }

  /** Network addresses changed: start the backoff over and cut a backoff wait short. */
  networkChanged(): void {
    this.backoff.reset();
    const w = this.wait;
    if (!w || w.reason === 'server') return;
    const delay = this.backoff.next();
    if (Date.now() + delay >= w.until) return;
    this.o.log.info('network changed: reconnecting sooner', { delayMs: Math.round(delay) });
    clearTimeout(w.timer);
    w.until = Date.now() + delay;
    w.timer = setTimeout(() => this.endWait(), delay);
  }

  stats(): ConnectionStats {
    return {
      attempts: this.attempts,
      backoffFailures: this.backoff.count,
      sessions: this.session ? 1 : 0,
      connected: this.connected,
      waiting: this.wait?.reason ?? null,
    };
  }

  private async loop(): Promise<void> {
    const urls = this.o.urls;
    let index = 0;
    let roundStart = 0;
    while (!this.stopped) {
      const url = urls[index] as string;
      const end = await this.runSession(url);
      if (this.stopped) break;
      const welcomed = end.welcomedAt !== undefined;
      if (welcomed && Date.now() - (end.welcomedAt ?? 0) >= this.o.timing.stableMs) this.backoff.reset();
      let delay: number;
      let reason: RetryReason;
      if (end.retryAfterMs !== undefined) {
        delay = this.backoff.serverDelay(end.retryAfterMs);
        reason = 'server';
        roundStart = index;
      } else if (welcomed) {
        delay = this.backoff.next();
        reason = 'backoff';
        roundStart = index;
      } else {
        index = (index + 1) % urls.length;
        if (index === roundStart) {
          delay = this.backoff.next();
          reason = 'backoff';
        } else {
          delay = this.o.timing.betweenUrlsMs;
          reason = 'next_url';
        }
      }
      this.o.events?.retry?.({ delayMs: delay, reason });
      this.o.log[reason === 'next_url' ? 'debug' : 'info']('reconnecting later', { delayMs: Math.round(delay), reason });
      await this.sleep(delay, reason);
    }
  }

  private async runSession(url: string): Promise<SessionEnd> {
    this.attempts++;
    this.o.events?.attempt?.(url);
    this.o.log.debug('connecting', { url });
    const session = new AgentSession({
      url,
      serverId: this.o.serverId,
      identity: this.o.identity,
      info: this.o.info,
      timing: this.o.timing,
      hooks: {
        welcome: (w, link) => {
          this.connected = true;
          this.o.log.info('connected', { url, deviceId: w.deviceId });
          this.o.events?.up?.(w, url, link);
        },
        known: (k) => this.o.events?.known?.(k),
        relayOpen: (r, ctx) => this.o.events?.relayOpen?.(r, ctx),
        command: (f, link) => this.o.events?.command?.(f, link),
        update: (f, link) => this.o.events?.update?.(f, link),
      },
    });
    this.session = session;
    const end = await session.ended;
    this.session = undefined;
    this.connected = false;
    const welcomed = end.welcomedAt !== undefined;
    const level = end.kind === 'stopped' ? 'debug' : welcomed ? 'info' : 'warn';
    this.o.log[level](welcomed ? 'disconnected' : 'could not connect', { url, reason: end.kind, detail: end.message });
    this.o.events?.down?.(end, url);
    return end;
  }

  private sleep(ms: number, reason: RetryReason): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopped) return resolve();
      this.wait = { reason, until: Date.now() + ms, timer: setTimeout(() => this.endWait(), ms), resolve };
    });
  }

  private endWait(): void {
    const w = this.wait;
    if (!w) return;
    this.wait = undefined;
    clearTimeout(w.timer);
    w.resolve();
  }
}
