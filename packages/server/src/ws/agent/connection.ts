/**
 * One agent control connection, as a state machine:
 *
 *   hello ──hello──▶ auth ──auth──▶ verifying ──(enrolment, presence)──▶ session ──▶ closing ──▶ closed
 *     any state ──refusal──▶ held (silent, paused; bad signature, not enrolled, …) ──▶ closing
 *
 * Every inbound frame goes through onFrame, which never throws: each error path ends in a
 * `refused` frame and a close code from AGENT_CLOSE_CODES (or in the WebSocket layer's own close).
 * Until `welcome` frames are limited to AGENT_HANDSHAKE_MAX_FRAME and the whole handshake to
 * HANDSHAKE_BYTE_BUDGET raw bytes; after it, to AGENT_SESSION_MAX_FRAME (the ws maxPayload).
 * A report may come whole or in acknowledged parts (protocol session/parts.ts): one report at a
 * time, reassembled here, then handled as the whole frame.
 * Store work of one connection (enrolment, presence, reports, offline) runs in one ordered queue.
 */
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import WebSocket, { type RawData } from 'ws';
import {
  AGENT_CLOSE_CODES,
  AGENT_HANDSHAKE_MAX_FRAME,
  AGENT_SESSION_MAX_FRAME,
  AGENT_COMMAND_FRAME_TYPES,
  AgentCommandFrame,
  AgentAuth,
  AgentHello,
  JsonDepthError,
  parseBoundedJson,
  AgentReportPart,
  AgentSessionFrame,
  AgentUpdateStatus,
  REPORT_PART_BYTES,
  REPORT_PARTS_CAPABILITY,
  ReportAssembler,
  type AgentInfo,
  type AgentRefusalCode,
  type ServerChallenge,
  type ServerKnown,
  type ServerLater,
  type ServerRefused,
  type ServerReportAck,
  type ServerSessionFrame,
  type ServerWelcome,
} from '@meshwork/protocol';
import { internCapabilities, missingCapability, type Capabilities } from '../../domain/agents/capabilities.js';
import { admitDevice } from '../../domain/agents/enrol.js';
import { answerHello, verifyAgentAuth, type HandshakeKeys, type PendingAuth } from '../../domain/agents/handshake.js';
import { applyReport, knownFrame } from '../../domain/agents/inventory.js';
import type { WriteFn } from '../../domain/agents/group-commit.js';
import { goOnline, holdsPresence, recordOffline, recordSuperseded, type AgentConnectionRef } from '../../domain/agents/lifecycle.js';
import type { System } from '../../system.js';
import { jitter, TokenBucket } from './admission.js';
import { decodeFrame, issueText, rawBytes } from './frames.js';
import type { AgentEndpointOptions } from './options.js';

export type AgentConnState = 'hello' | 'auth' | 'verifying' | 'session' | 'held' | 'closing' | 'closed';

/** Raw bytes an agent may send before `welcome` (hello + auth + framing, with room to spare). */
export const HANDSHAKE_BYTE_BUDGET = 3 * AGENT_HANDSHAKE_MAX_FRAME;
/** A peer that does not finish the close handshake in this time is dropped. */
const CLOSE_GRACE_MS = 2_000;

/** Refusals after which the socket is held silently: retrying at once cannot succeed. */
export const HELD_REFUSALS: ReadonlySet<AgentRefusalCode> = new Set<AgentRefusalCode>([
  'unsupported_version', 'tls_cert_mismatch', 'bad_signature', 'not_enrolled', 'bad_enrolment_token', 'revoked',
]);

/** The close code that follows a `refused` frame. */
export function closeCodeFor(code: AgentRefusalCode): number {
  if (code === 'overloaded') return AGENT_CLOSE_CODES.tryAgainLater;
  if (code === 'internal') return AGENT_CLOSE_CODES.internal;
  return AGENT_CLOSE_CODES.policy;
}

/** What a connection needs from its endpoint (which keeps the sets and counts). */
export interface ConnectionHost {
  readonly sys: System;
  readonly opts: AgentEndpointOptions;
  readonly keys: HandshakeKeys;
  readonly stopping: boolean;
  /** Store writes of handshakes and disconnects, group-committed (domain/agents/group-commit.ts). */
  readonly write: WriteFn;
  handshakeEnded(c: AgentConnection): void;
  /** Reserves a hold slot; false when the cap is reached. */
  tryHold(c: AgentConnection): boolean;
  holdEnded(c: AgentConnection): void;
  sessionStarted(c: AgentConnection): void;
  sessionEnded(c: AgentConnection): void;
  closed(c: AgentConnection): void;
  /** An answer to a command frame (domain/commands/agent-side.ts). */
  commandFrame(c: AgentConnection, frame: AgentCommandFrame): void;
  /** Progress of a self-update (domain/updates/updater.ts). */
  updateStatus(c: AgentConnection, status: AgentUpdateStatus): void;
}

interface RefuseOptions {
  closeCode?: number;
  retryAfterMs?: number;
}

type FrameState = 'hello' | 'auth' | 'verifying' | 'session';
const isHandshakeState = (s: AgentConnState): boolean => s === 'hello' || s === 'auth' || s === 'verifying';

export class AgentConnection {
  state: AgentConnState = 'hello';
  readonly connectionId = randomBytes(12).toString('base64url');
  deviceId: string | null = null;
  /** What the agent announced in auth (shared, interned); null: nothing announced, not checked. */
  capabilities: Capabilities = null;
  /** Set on welcome; the endpoint's session count follows it. */
  registered = false;
  /** What the agent said it runs (auth.info), for self-update; null when it sent no info. */
  agent: { readonly version: string; readonly platform: string; readonly arch: string } | null = null;
  /** The device's group, from welcome on. */
  groupId: string | null = null;
  /** Resolves once the socket is closed. */
  readonly ended: Promise<void>;
  private lastActivity: number;
  private readonly startedAt: number;
  private pending: PendingAuth | null = null;
  private handshakeBytes: number;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private holdTimer: NodeJS.Timeout | undefined;
  private killTimer: NodeJS.Timeout | undefined;
  private reports: TokenBucket | null = null;
  private statuses: TokenBucket | null = null;
  /** The report being received in parts, and when its last part came; null between reports (most agents never send one). */
  private parts: { assembler: ReportAssembler; at: number } | null = null;
  private work: Promise<void> = Promise.resolve();
  private offlineDetail = 'connection closed';

  constructor(
    private readonly host: ConnectionHost,
    readonly ws: WebSocket,
    readonly socket: Duplex,
    headBytes: number,
    readonly remoteAddress: string,
  ) {
    this.lastActivity = host.opts.clock();
    this.startedAt = performance.now();
    this.handshakeBytes = headBytes;
    this.ended = new Promise((resolve) => ws.once('close', (code: number) => resolve(this.onClose(code))));
    ws.on('message', (data: RawData, isBinary: boolean) => this.safely(() => this.onFrame(data, isBinary)));
    ws.on('ping', () => this.touch());
    ws.on('pong', () => this.touch());
    ws.on('error', (err) => host.sys.log.debug({ err, connectionId: this.connectionId }, 'agent socket error'));
    socket.on('data', this.onSocketData);
    // First the hello: a socket that says nothing must not hold its slot for the whole handshake time.
    this.armHandshakeTimer(Math.min(host.opts.helloTimeoutMs, host.opts.handshakeTimeoutMs));
  }

  private armHandshakeTimer(ms: number): void {
    clearTimeout(this.handshakeTimer);
    // Checked after the poll phase that follows: a frame that came while the event loop was busy counts.
    this.handshakeTimer = setTimeout(() => setImmediate(() => this.safely(() => this.onHandshakeTimeout())), ms);
    this.handshakeTimer.unref();
  }

  private get sys(): System {
    return this.host.sys;
  }

  ref(): AgentConnectionRef {
    return {
      deviceId: this.deviceId ?? '', connectionId: this.connectionId, remoteAddress: this.remoteAddress,
      ...(this.capabilities !== null ? { capabilities: this.capabilities } : {}),
    };
  }

  // ── inbound ────────────────────────────────────────────────────────────────────────────────

  private readonly onSocketData = (chunk: Buffer): void => {
    if (!isHandshakeState(this.state)) return;
    this.handshakeBytes += chunk.length;
    if (this.handshakeBytes > HANDSHAKE_BYTE_BUDGET) {
      this.safely(() => this.refuse('bad_message', `The handshake exceeded ${HANDSHAKE_BYTE_BUDGET} bytes.`, { closeCode: AGENT_CLOSE_CODES.tooBig }));
    }
  };

  private onFrame(data: RawData, isBinary: boolean): void {
    const state = this.state;
    if (state === 'held' || state === 'closing' || state === 'closed') return;
    this.touch();
    if (isBinary) return this.refuse('bad_message', 'Binary frames are not part of the agent protocol.', { closeCode: AGENT_CLOSE_CODES.unsupportedData });
    const bytes = rawBytes(data);
    const limit = state === 'session' ? AGENT_SESSION_MAX_FRAME : AGENT_HANDSHAKE_MAX_FRAME;
    if (bytes.length > limit) return this.refuse('bad_message', `Frames are limited to ${limit} bytes here.`, { closeCode: AGENT_CLOSE_CODES.tooBig });
    const decoded = decodeFrame(bytes);
    if (!decoded.ok) return this.refuse('bad_message', decoded.message);
    AgentConnection.byState[state](this, decoded.json, decoded.type);
  }

  /** Dispatch by state: what each frame type means at each point of the connection (one table for all connections). */
  private static readonly byState: Record<FrameState, (c: AgentConnection, json: unknown, type: string | null) => void> = {
    hello: (c, json, type) => (type === 'hello' ? c.onHello(json) : c.refuse('bad_message', 'Expected a hello frame.')),
    auth: (c, json, type) => {
      if (type === 'auth') return c.onAuth(json);
      if (type === 'hello') return c.refuse('duplicate_auth', 'This connection already sent hello.');
      c.refuse('bad_message', 'Expected an auth frame.');
    },
    verifying: (c, _json, type) => c.unexpected(type),
    session: (c, json, type) => {
      if (type === 'hello' || type === 'auth') return c.unexpected(type);
      if (type !== null && AGENT_COMMAND_FRAME_TYPES.has(type)) return c.onCommandFrame(json);
      if (type === 'reportPart') return c.onReportPart(json);
      if (type === 'updateStatus') return c.onUpdateStatus(json);
      c.onReport(json);
    },
  };

  private unexpected(type: string | null): void {
    if (type === 'hello' || type === 'auth') return this.refuse('duplicate_auth', 'This connection is already authenticated.');
    this.refuse('bad_message', 'No frame is expected while the server checks the auth frame.');
  }

  private onHello(json: unknown): void {
    const parsed = AgentHello.safeParse(json);
    if (!parsed.success) return this.refuse('bad_message', `Bad hello: ${issueText(parsed.error.issues)}`);
    const answer = answerHello(this.host.keys, parsed.data);
    if (!answer.ok) return this.refuse(answer.code, answer.message);
    this.pending = answer.pending;
    this.state = 'auth';
    // The rest of the handshake time (timers run on real time, not on the injectable clock).
    this.armHandshakeTimer(Math.max(0, this.host.opts.handshakeTimeoutMs - (performance.now() - this.startedAt)));
    this.send<ServerChallenge>(answer.challenge);
  }

  private onAuth(json: unknown): void {
    const parsed = AgentAuth.safeParse(json);
    if (!parsed.success) return this.refuse('bad_message', `Bad auth: ${issueText(parsed.error.issues)}`);
    const pending = this.pending;
    this.pending = null; // a nonce pair is good for one auth only
    if (!pending) return this.refuse('bad_message', 'auth before hello.');
    this.state = 'verifying';
    const check = verifyAgentAuth(this.host.keys, pending, parsed.data);
    if (!check.ok) return this.refuse(check.code, check.message);
    this.deviceId = check.deviceId;
    this.capabilities = internCapabilities(parsed.data.info?.capabilities);
    const info = parsed.data.info;
    this.agent = info ? { version: info.agentVersion, platform: info.platform, arch: info.arch } : null;
    this.enqueue(() => this.admit(parsed.data.info));
  }

  private async admit(info: AgentInfo | undefined): Promise<void> {
    const write = this.host.write;
    const admission = await admitDevice(this.sys, this.ref().deviceId, info, write);
    if (this.state !== 'verifying') return; // timed out or closed meanwhile
    if (!admission.ok) return this.refuse(admission.code, admission.message);
    const ref = this.ref();
    // Presence claim, lastSeen, timeline and event: one unit, committed with other handshakes'.
    const [online, softwareHash] = await Promise.all([goOnline(this.sys, write, admission.device, ref), this.sys.store.getDeviceSoftwareHash(ref.deviceId)]);
    if (this.state !== 'verifying' || !online) {
      await recordOffline(this.sys, ref, 'connection closed during the handshake', write); // give the claim back
      if (!online) this.refuse('not_enrolled', 'This device was removed from the server.');
      return;
    }
    this.state = 'session';
    this.registered = true;
    this.groupId = admission.device.groupId;
    clearTimeout(this.handshakeTimer);
    this.handshakeTimer = undefined;
    this.socket.off('data', this.onSocketData);
    this.host.handshakeEnded(this);
    this.host.sessionStarted(this);
    this.sys.metrics.inc('meshwork_agent_handshakes_total', { result: 'ok' });
    this.send<ServerWelcome>({ type: 'welcome', deviceId: ref.deviceId, groupId: admission.device.groupId });
    const parts = this.capabilities?.has(REPORT_PARTS_CAPABILITY) === true ? REPORT_PART_BYTES : undefined;
    this.send<ServerKnown>(knownFrame(admission.device, softwareHash, parts));
    // A newer claim may have landed before this connection was registered to hear about it.
    if (!(await holdsPresence(this.sys, ref))) return this.supersede();
  }

  /** Run output, exits, power/wake results: answers to what the server sent, so not rate-limited as reports. */
  private onCommandFrame(json: unknown): void {
    const parsed = AgentCommandFrame.safeParse(json);
    if (!parsed.success) return this.refuse('bad_message', `Bad command frame: ${issueText(parsed.error.issues)}`);
    this.host.commandFrame(this, parsed.data);
  }

  /** Progress of a self-update: validated, then limited to updateStatusPerMinute (`rate_limited` beyond). */
  private onUpdateStatus(json: unknown): void {
    const parsed = AgentUpdateStatus.safeParse(json);
    if (!parsed.success) return this.refuse('bad_message', `Bad updateStatus: ${issueText(parsed.error.issues)}`);
    const perMinute = this.host.opts.updateStatusPerMinute;
    this.statuses ??= new TokenBucket(perMinute / 60, perMinute, this.host.opts.clock);
    if (!this.statuses.take()) return this.refuse('rate_limited', `At most ${perMinute} updateStatus frames per minute.`);
    this.host.updateStatus(this, parsed.data);
  }

  /** True while this connection is a live session (domain/updates/updater.ts). */
  live(): boolean {
    return this.state === 'session';
  }

  /** A whole report frame, or (`counted`) the text of one reassembled from parts. */
  private onReport(json: unknown, counted = false): void {
    if (!counted && this.parts !== null) return this.refuse('bad_message', 'A report is in progress in parts: one report at a time.');
    const parsed = AgentSessionFrame.safeParse(json);
    if (!parsed.success) return this.refuse('bad_message', `Bad session frame: ${issueText(parsed.error.issues)}`);
    if (!counted && !this.takeReport()) return;
    const frame = parsed.data;
    this.enqueue(async () => {
      if (this.state !== 'session') return;
      const outcome = await applyReport(this.sys, this.ref().deviceId, frame);
      if (outcome === 'hash_mismatch') this.refuse('bad_message', `The ${frame.type} hash does not match the report.`);
      else if (outcome === 'gone') this.refuse('not_enrolled', 'This device was removed from the server.');
    });
  }

  /**
   * One part of a report: checked, acknowledged (the agent sends the next part only then, so the
   * socket never receives a large burst — TLS buffers keep the size of the largest one), kept until
   * the last part, then handled as the whole frame. Counts against the rate once, at part 0.
   */
  private onReportPart(json: unknown): void {
    const parsed = AgentReportPart.safeParse(json);
    if (!parsed.success) return this.refuse('bad_message', `Bad report part: ${issueText(parsed.error.issues)}`);
    const part = parsed.data;
    if (this.parts === null && part.seq === 0 && !this.takeReport()) return;
    this.parts ??= { assembler: new ReportAssembler(AGENT_SESSION_MAX_FRAME), at: 0 };
    this.parts.at = this.host.opts.clock();
    const added = this.parts.assembler.add(part);
    if (!added.ok) return this.refuse('bad_message', added.message);
    this.send<ServerReportAck>({ type: 'reportAck', id: part.id, seq: part.seq });
    if (added.text === null) return;
    this.parts = null;
    let report: unknown;
    try {
      report = parseBoundedJson(added.text);
    } catch (e) {
      return this.refuse('bad_message', e instanceof JsonDepthError ? e.message : 'The report sent in parts is not JSON.');
    }
    this.onReport(report, true);
  }

  /** Takes one report from this connection's allowance; refuses `rate_limited` when none is left. */
  private takeReport(): boolean {
    // Made at the first report (most agents send none after connecting): one object less per idle agent.
    this.reports ??= new TokenBucket(this.host.opts.reportsPerMinute / 60, this.host.opts.reportsPerMinute, this.host.opts.clock);
    if (this.reports.take()) return true;
    this.refuse('rate_limited', `At most ${this.host.opts.reportsPerMinute} reports per minute.`);
    return false;
  }

  private onHandshakeTimeout(): void {
    if (!isHandshakeState(this.state)) return;
    if (this.state === 'hello') return this.refuse('handshake_timeout', `No hello within ${this.host.opts.helloTimeoutMs} ms.`);
    this.refuse('handshake_timeout', `The handshake did not complete within ${this.host.opts.handshakeTimeoutMs} ms.`);
  }

  private touch(): void {
    this.lastActivity = this.host.opts.clock();
  }

  // ── outbound and endings ───────────────────────────────────────────────────────────────────

  /** Sends `refused`, then holds the socket (HELD_REFUSALS, while slots last) or closes it. */
  refuse(code: AgentRefusalCode, message: string, o: RefuseOptions = {}): void {
    const state = this.state;
    if (state === 'held' || state === 'closing' || state === 'closed') return;
    const { opts } = this.host;
    const holdable = HELD_REFUSALS.has(code);
    const retryAfterMs =
      o.retryAfterMs ??
      (holdable ? jitter(opts.holdMs, 2 * opts.holdMs, opts.random) : code === 'overloaded' ? jitter(opts.overloadRetryMinMs, opts.overloadRetryMaxMs, opts.random) : undefined);
    this.send<ServerRefused>({ type: 'refused', code, message: message.slice(0, 512), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
    this.sys.metrics.inc('meshwork_agent_refusals_total', { code });
    if (isHandshakeState(state)) {
      this.sys.metrics.inc('meshwork_agent_handshakes_total', { result: 'refused' });
      this.host.handshakeEnded(this);
    }
    this.sys.log.debug({ code, connectionId: this.connectionId, deviceId: this.deviceId, remoteAddress: this.remoteAddress }, 'agent refused');
    if (holdable && !this.host.stopping && this.host.tryHold(this)) {
      this.state = 'held';
      this.ws.pause(); // read nothing more: a broken agent waits instead of looping
      this.holdTimer = setTimeout(() => this.endHold(), opts.holdMs);
      this.holdTimer.unref();
      return;
    }
    this.close(o.closeCode ?? closeCodeFor(code), code);
  }

  private endHold(): void {
    if (this.state !== 'held') return;
    this.host.holdEnded(this);
    this.ws.resume(); // so that the peer's answer to the close frame can be read
    this.close(AGENT_CLOSE_CODES.policy, 'held');
  }

  /** Starts the close handshake; a peer that does not answer is dropped after a grace period. */
  close(code: number, reason: string): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    this.state = 'closing';
    clearTimeout(this.handshakeTimer);
    try {
      this.ws.close(code, reason.slice(0, 120));
    } catch {
      this.ws.terminate();
    }
    this.killTimer = setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS);
    this.killTimer.unref();
  }

  /** A newer connection holds this device now. */
  supersede(): void {
    if (this.state !== 'session') return;
    this.offlineDetail = 'superseded';
    this.refuse('superseded', 'A newer connection for this device replaced this one.');
    const ref = this.ref();
    this.enqueue(() => recordSuperseded(this.sys, ref));
    this.sys.log.info({ deviceId: ref.deviceId, connectionId: ref.connectionId, remoteAddress: ref.remoteAddress }, 'agent connection superseded');
  }

  /** The device was removed (domain/agents/removal.ts): this connection ends now, on any worker. */
  removed(revoked: boolean): void {
    if (this.state !== 'session' && this.state !== 'verifying') return;
    this.offlineDetail = 'device removed';
    if (revoked) this.refuse('revoked', 'This device was removed from the server. An administrator must lift its revocation before it can enrol again.');
    else this.refuse('not_enrolled', 'This device was removed from the server (its device group was deleted).');
  }

  /** Keepalive tick: ping a live session, or drop it when it has been silent (or its report in parts stalled) too long. */
  keepalive(now: number): void {
    if (this.state !== 'session') return;
    if (now - this.lastActivity > this.host.opts.idleTimeoutMs) {
      this.offlineDetail = 'idle timeout';
      this.ws.terminate();
      return;
    }
    // A report in parts holds up to 4 MiB here: one whose next part does not come is not kept.
    if (this.parts !== null && now - this.parts.at > this.host.opts.idleTimeoutMs) {
      this.refuse('bad_message', `The report sent in parts stalled: no part for ${this.host.opts.idleTimeoutMs} ms.`);
      return;
    }
    try {
      this.ws.ping();
    } catch {
      this.ws.terminate();
    }
  }

  /**
   * Server shutdown: sessions get `later`, handshakes `refused overloaded`, both the 1012 close
   * frame; then the socket is closed as soon as that is written — the peer's close frame is not
   * awaited (10,000 close handshakes took seconds of both sides' CPU; the agent acts on `later`).
   */
  shutdown(retryAfterMs: number): void {
    if (this.state === 'held') {
      clearTimeout(this.holdTimer);
      this.host.holdEnded(this);
      this.close(AGENT_CLOSE_CODES.policy, 'held');
    } else if (this.state === 'session') {
      this.send<ServerLater>({ type: 'later', retryAfterMs, reason: 'The server is restarting.' });
      this.close(AGENT_CLOSE_CODES.restart, 'restart');
    } else if (isHandshakeState(this.state)) {
      this.refuse('overloaded', 'The server is restarting.', { closeCode: AGENT_CLOSE_CODES.restart, retryAfterMs });
    }
    const s = this.socket as Duplex & { destroySoon?: () => void };
    if (s.destroySoon) s.destroySoon();
    else s.end();
  }

  /** The capability this agent lacks for `frame` (it did not announce it), or null. */
  lacks(frame: ServerSessionFrame): string | null {
    return missingCapability(this.capabilities, frame);
  }

  /** Sends a server → agent session frame (e.g. relayOpen) on a live session; false otherwise. */
  deliver(frame: ServerSessionFrame): boolean {
    if (this.state !== 'session' || this.ws.readyState !== WebSocket.OPEN) return false;
    this.send<ServerSessionFrame>(frame);
    return true;
  }

  /** Resolves when this connection's queued store work is done. */
  idle(): Promise<void> {
    return this.work;
  }

  private send<T>(frame: T): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(JSON.stringify(frame));
  }

  private onClose(code: number): void {
    const was = this.state;
    this.state = 'closed';
    this.parts = null;
    clearTimeout(this.handshakeTimer);
    clearTimeout(this.holdTimer);
    clearTimeout(this.killTimer);
    this.socket.off('data', this.onSocketData);
    if (was === 'held') this.host.holdEnded(this);
    if (isHandshakeState(was)) this.host.handshakeEnded(this);
    if (this.registered) {
      this.registered = false;
      this.host.sessionEnded(this);
      if (!this.host.stopping) {
        const ref = this.ref();
        const detail = this.offlineDetail === 'connection closed' ? `connection closed (${code})` : this.offlineDetail;
        this.enqueue(async () => void (await recordOffline(this.sys, ref, detail, this.host.write)));
      }
    }
    this.host.closed(this);
  }

  /** Runs store work in order; a failure is logged and ends the connection with `internal`. */
  private enqueue(task: () => Promise<void>): void {
    this.work = this.work.then(task).catch((err: unknown) => {
      this.sys.log.error({ err, connectionId: this.connectionId, deviceId: this.deviceId }, 'agent connection work failed');
      this.safely(() => this.refuse('internal', 'Internal error.'));
    });
  }

  /** Runs a frame or timer handler; whatever it throws becomes `refused internal`, never a crash. */
  private safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.sys.log.error({ err, connectionId: this.connectionId }, 'agent frame handler failed');
      try {
        this.refuse('internal', 'Internal error.');
      } catch {
        this.ws.terminate();
      }
    }
  }
}
