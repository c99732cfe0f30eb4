/**
 * One browser's event stream. Outbound work (events, device frames, re-checks of the caller's
 * rights) runs through one ordered queue so frames keep bus order even when the audience must be
 * recomputed first. Both directions are bounded: a full queue or send buffer drops the socket
 * (1013), bad frames get an error frame and, repeated, a 1008 close; binary frames a 1003 close.
 */
import { JsonDepthError, parseBoundedJson, PROTOCOL_VERSION, StreamClientFrame, type StreamServerFrame } from '@meshwork/protocol';
import type { EventRecord } from '@meshwork/store';
import WebSocket from 'ws';
import { deviceMessageGroup, type DeviceBusMessage } from '../bus/channels.js';
import { eventView, eventVisibleTo } from '../domain/events/view.js';
import type { Principal, System } from '../system.js';
import { stillValid } from './stream-auth.js';

export interface StreamLimits {
  /** Close with 1013 when this many bytes wait in the socket's send buffer. */
  maxBufferedBytes: number;
  /** Close with 1013 when this many deliveries wait in the queue. */
  maxQueued: number;
  /** Invalid frames tolerated (each answered with an error frame) before a 1008 close. */
  maxBadFrames: number;
  /** Inbound frames allowed per keepalive interval before a 1008 close. */
  maxFramesPerInterval: number;
}

export class StreamConnection {
  /** Set by a pong or any inbound frame; cleared by each keepalive ping. */
  alive = true;
  private principal: Principal;
  private audience: Set<string> | undefined = undefined;
  private groups: Set<string> | undefined = undefined;
  private stale = true;
  private queue: Promise<void> = Promise.resolve();
  private queued = 0;
  private badFrames = 0;
  private framesThisInterval = 0;
  private closing = false;

  constructor(
    private readonly sys: System,
    readonly ws: WebSocket,
    principal: Principal,
    private readonly limits: StreamLimits,
  ) {
    this.principal = principal;
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('pong', () => (this.alive = true));
    this.send({ type: 'hello', userId: principal.user.id, protocolVersion: PROTOCOL_VERSION });
  }

  get userId(): string {
    return this.principal.user.id;
  }

  /** Keepalive tick: re-check credentials and rights even when no event says they changed. */
  tick(): void {
    this.framesThisInterval = 0;
    this.enqueue(async () => {}, true);
  }

  /** `changesAudience`: the event may change who sees what, so recompute the audience first. */
  deliverEvent(e: EventRecord, changesAudience: boolean): void {
    this.enqueue(async () => {
      if (eventVisibleTo(e, this.audience)) this.send({ type: 'event', event: eventView(e) });
    }, changesAudience);
  }

  deliverDevice(m: DeviceBusMessage): void {
    this.enqueue(async () => {
      if (this.groups !== undefined && !this.groups.has(deviceMessageGroup(m))) return;
      this.send(m.type === 'device' ? { type: 'device', device: m.device } : { type: 'deviceRemoved', deviceId: m.deviceId });
    });
  }

  /** Ends the stream with a close code; terminates if the close handshake does not finish. */
  drop(code: number, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    this.ws.close(code, reason);
    setTimeout(() => this.ws.terminate(), 2_000).unref();
  }

  private enqueue(work: () => Promise<void>, refreshFirst = false): void {
    if (this.closing) return;
    if (this.queued >= this.limits.maxQueued) return this.drop(1013, 'too far behind');
    this.queued++;
    this.queue = this.queue
      .then(async () => {
        if (this.closing) return;
        if ((this.stale || refreshFirst) && !(await this.refresh())) return;
        await work();
      })
      .catch((err: unknown) => {
        this.sys.log.error({ err, userId: this.userId }, 'browser stream delivery failed');
        this.drop(1011, 'internal error');
      })
      .finally(() => this.queued--);
  }

  /** Re-reads credentials and rights; false (and the stream is closed) when they no longer hold. */
  private async refresh(): Promise<boolean> {
    this.stale = false;
    const r = await stillValid(this.sys, this.principal);
    if (!r.ok) {
      this.send({ type: 'error', code: r.code, message: 'The credentials of this stream are no longer valid.' });
      this.drop(1008, r.code);
      return false;
    }
    this.principal = r.principal;
    const audience = await this.sys.authz.eventAudience(r.principal);
    const groups = await this.sys.authz.visibleGroupIds(r.principal);
    this.audience = audience && new Set(audience);
    this.groups = groups && new Set(groups);
    return true;
  }

  private send(frame: StreamServerFrame): void {
    if (this.closing || this.ws.readyState !== WebSocket.OPEN) return;
    if (this.ws.bufferedAmount > this.limits.maxBufferedBytes) return this.drop(1013, 'too far behind');
    this.ws.send(JSON.stringify(frame));
  }

  private onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    this.alive = true;
    if (isBinary) return this.drop(1003, 'text frames only');
    if (++this.framesThisInterval > this.limits.maxFramesPerInterval) return this.drop(1008, 'too many frames');
    let json: unknown;
    try {
      json = parseBoundedJson(rawText(data));
    } catch (e) {
      return this.badFrame(e instanceof JsonDepthError ? e.message : 'The frame is not JSON.');
    }
    const r = StreamClientFrame.safeParse(json);
    if (!r.success) return this.badFrame(`The frame does not match its schema: ${r.error.issues[0]?.message ?? 'invalid'}`);
    this.send({ type: 'pong', id: r.data.id });
  }

  private badFrame(message: string): void {
    this.send({ type: 'error', code: 'validation_failed', message });
    if (++this.badFrames >= this.limits.maxBadFrames) this.drop(1008, 'too many invalid frames');
  }
}

function rawText(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data instanceof ArrayBuffer ? new Uint8Array(data) : data).toString('utf8');
}
