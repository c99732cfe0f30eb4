/**
 * One agent control connection, from dial to close:
 *
 *   dial wss://…/agent    any TLS certificate is accepted (no web PKI); SHA-384 of the leaf DER the
 *                         socket actually presented goes into `hello` and so into both signatures
 *   hello → challenge     the server's key must hash to the pinned ServerID and sign this connection
 *   auth  → welcome       the identity key signs; the server's device id must be ours
 *   live                  `known` / `later` / `refused` until the socket ends; reports go whole,
 *                         or in acknowledged parts when `known` says the server takes them and
 *                         the report is larger than one part (report-parts.ts)
 *
 * Every server frame is size-limited (ws maxPayload) and parsed by its schema; anything unexpected
 * ends the session as a protocol violation. `ended` resolves once the socket is really gone.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import {
  AgentHandshakeFrame,
  ServerHandshakeFrame,
  ServerRefused,
  type AgentInfo,
  type AgentRefusalCode,
  type ServerChallenge,
  type ServerWelcome,
} from '@meshwork/protocol/agent/index';
import { ServerPower, ServerRun, ServerWake, type AgentCommandFrame, type ServerCommandFrame } from '@meshwork/protocol/commands/frames';
import { ServerRelayOpen } from '@meshwork/protocol/relay/session';
import { AgentUpdateStatus, REPORT_PART_BYTES, ServerKnown, ServerLater, ServerReportAck, ServerUpdate, type AgentSessionFrame } from '@meshwork/protocol/session/index';
import { z } from 'zod';
import { deviceIdOf } from '../identity/device-id.js';
import { createAuth, createHello, HandshakeError, verifyChallenge, type AuthIdentity, type HelloContext } from '../identity/proof.js';
import { text } from '../inventory/sanitize.js';
import { PartSender } from './report-parts.js';
import type { AgentTiming } from './timing.js';
import { WebSocket, type RawData } from './ws.js';
import type { RelayContext } from '../relay/dial.js';

/** Largest frame the agent accepts from the server. Server frames are small; reports go the other way. */
export const SERVER_FRAME_MAX = 64 * 1024;

/** Close codes the agent sends. */
export const CLOSE_BY_AGENT = { normal: 1000, goingAway: 1001, protocolError: 1002 } as const;

/** Frames the server may send once the session is live. */
const LiveFrame = z.discriminatedUnion('type', [ServerKnown, ServerLater, ServerReportAck, ServerRefused, ServerRelayOpen, ServerRun, ServerPower, ServerWake, ServerUpdate]);
type LiveFrame = z.infer<typeof LiveFrame>;

export type SessionEndKind =
  | 'network' // could not connect, or the socket dropped
  | 'http' // the upgrade was answered with an HTTP status
  | 'violation' // the server broke the protocol
  | 'server_id' // the server is not the pinned one
  | 'refused' // the server sent `refused`
  | 'later' // the server sent `later`
  | 'timeout' // handshake too slow
  | 'idle' // nothing from the server for idleTimeoutMs
  | 'ack_timeout' // a report part was not acknowledged within reportAckTimeoutMs
  | 'local' // the agent could not do its part (e.g. the TPM failed to sign)
  | 'closed' // the server closed a live session
  | 'stopped'; // the agent is shutting down

export interface SessionEnd {
  kind: SessionEndKind;
  /** Safe to log: server-supplied text is stripped of control characters. */
  message: string;
  /** When `welcome` arrived (Date.now()); absent when the handshake did not complete. */
  welcomedAt?: number;
  /** The server's requested delay (`later`, `refused.retryAfterMs`, HTTP Retry-After). */
  retryAfterMs?: number;
  refusal?: AgentRefusalCode;
}

export interface SessionLink {
  /**
   * Sends a report, whole or in acknowledged parts. Resolves with the number of frames that carried
   * it (1: whole, once handed to the socket; n: parts, once all are acknowledged), or 0 when it was not sent:
   * the session ended first, or another report is still being sent (one at a time).
   */
  send(frame: AgentSessionFrame): Promise<number>;
  /** Sends a self-update status (checked against its schema); false when the session is not live. */
  updateStatus(frame: AgentUpdateStatus): boolean;
}

/** What an `update` frame comes with: the server key this session authenticated, where to download, how to answer. */
export interface UpdateLink {
  /** SPKI DER of the server key verified in this session's handshake (its SHA-384 is the pinned ServerID). */
  serverPublicKey: Uint8Array;
  /** The session's wss URL. */
  url: string;
  send(frame: AgentUpdateStatus): boolean;
}

/** Answers to command frames (run output and exits, power and wake results), with backpressure. */
export interface CommandLink {
  /** false: the session is not live any more. `written` runs once the frame left for the socket. */
  send(frame: AgentCommandFrame, written?: () => void): boolean;
  /** Resolves when the session has ended. */
  readonly closed: Promise<void>;
}

export interface SessionHooks {
  welcome(w: ServerWelcome, link: SessionLink): void;
  known(k: ServerKnown): void;
  /** The server asks for a relay connection; ctx names the server this session authenticated. */
  relayOpen?(open: ServerRelayOpen, ctx: RelayContext): void;
  /** A command (`run`, `power`, `wake`); answers go on `link` (commands/commands.ts). */
  command?(frame: ServerCommandFrame, link: CommandLink): void;
  /** A self-update offer (update/updater.ts); sessions without the hook ignore offers. */
  update?(frame: ServerUpdate, link: UpdateLink): void;
}

export interface SessionOptions {
  /** wss URL (see agentWsUrl). */
  url: string;
  serverId: string;
  identity: AuthIdentity;
  info: () => AgentInfo;
  timing: Pick<AgentTiming, 'handshakeTimeoutMs' | 'idleTimeoutMs' | 'reportAckTimeoutMs'>;
  hooks: SessionHooks;
}

type Phase = 'upgrade' | 'challenge' | 'signing' | 'welcome' | 'live' | 'ending';
type HandshakeFrame = z.infer<typeof ServerHandshakeFrame>;
type Handlers<F extends { type: string }> = { [K in F['type']]: (frame: Extract<F, { type: K }>) => void };

const rawText = (data: RawData): string =>
  (Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)).toString('utf8');

const retryAfterHeader = (res: IncomingMessage): number | undefined => {
  const v = res.headers['retry-after'];
  return typeof v === 'string' && /^\d{1,6}$/.test(v) ? Number(v) * 1000 : undefined;
};

export class AgentSession {
  readonly ended: Promise<SessionEnd>;
  private readonly ws: WebSocket;
  private phase: Phase = 'upgrade';
  private result: SessionEnd | undefined;
  private welcomedAt: number | undefined;
  private tlsCertDer: Buffer | undefined;
  private hello: HelloContext | undefined;
  /** The server key verified in this session's challenge. */
  private serverKey: Uint8Array | undefined;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private killTimer: NodeJS.Timeout | undefined;
  /** From `known`: the largest report part the server takes; undefined: whole frames only. */
  private partBytes: number | undefined;
  private readonly parts: PartSender;

  constructor(private readonly o: SessionOptions) {
    this.parts = new PartSender({
      write: (frame) => this.sendJson(frame),
      ackTimeoutMs: o.timing.reportAckTimeoutMs,
      onTimeout: () =>
        this.fail({ kind: 'ack_timeout', message: `the server did not acknowledge a report part within ${Math.round(o.timing.reportAckTimeoutMs / 1000)} s` }, CLOSE_BY_AGENT.goingAway),
    });
    this.ws = new WebSocket(o.url, {
      rejectUnauthorized: false, // on purpose: the ServerID pin authenticates the server, not web PKI
      maxPayload: SERVER_FRAME_MAX,
      perMessageDeflate: false,
      followRedirects: false,
      handshakeTimeout: o.timing.handshakeTimeoutMs,
    });
    this.ended = new Promise((resolve) => {
      this.ws.once('close', (code, reason) => {
        this.phase = 'ending';
        this.clearTimers();
        clearTimeout(this.killTimer);
        const text_ = text(reason.toString('utf8'), 120);
        resolve(
          this.result ?? {
            kind: this.welcomedAt !== undefined ? 'closed' : 'network',
            message: `the server closed the connection (${code}${text_ ? ` ${text_}` : ''})`,
            ...this.welcomed(),
          },
        );
      });
    });
    this.handshakeTimer = setTimeout(() => this.fail({ kind: 'timeout', message: 'the handshake did not finish in time' }, 'terminate'), o.timing.handshakeTimeoutMs);
    this.touch();
    this.ws.on('upgrade', (res) => this.onUpgrade(res));
    this.ws.on('unexpected-response', (_req, res) => this.onHttpAnswer(res));
    this.ws.on('open', () => this.onOpen());
    this.ws.on('message', (data, isBinary) => this.onFrame(data, isBinary));
    this.ws.on('ping', () => this.touch());
    this.ws.on('pong', () => this.touch());
    this.ws.on('error', (e: Error & { code?: string }) => this.onError(e));
  }

  /** Ends the session (agent shutdown). */
  stop(): void {
    this.fail({ kind: 'stopped', message: 'the agent is stopping' }, CLOSE_BY_AGENT.goingAway);
  }

  private welcomed(): { welcomedAt?: number } {
    return this.welcomedAt !== undefined ? { welcomedAt: this.welcomedAt } : {};
  }

  /** Records why the session ends (the first reason wins) and closes the socket. */
  private fail(end: SessionEnd, close: number | 'terminate'): void {
    if (this.result) return;
    this.result = { ...end, ...this.welcomed() };
    this.phase = 'ending';
    this.clearTimers();
    if (close === 'terminate' || this.ws.readyState !== WebSocket.OPEN) {
      this.ws.terminate();
      return;
    }
    this.ws.close(close, end.kind);
    // Do not wait for a server that never answers the close frame.
    this.killTimer = setTimeout(() => this.ws.terminate(), 1000);
  }

  private violation(message: string): void {
    this.fail({ kind: 'violation', message: `protocol violation: ${message}` }, CLOSE_BY_AGENT.protocolError);
  }

  private clearTimers(): void {
    clearTimeout(this.handshakeTimer);
    clearTimeout(this.idleTimer);
    this.parts.abandon();
  }

  /** Any sign of life from the server (message, ping, pong) restarts the idle timer. */
  private touch(): void {
    if (this.phase === 'ending') return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(
      () => this.fail({ kind: 'idle', message: `nothing from the server for ${Math.round(this.o.timing.idleTimeoutMs / 1000)} s` }, 'terminate'),
      this.o.timing.idleTimeoutMs,
    );
  }

  private onUpgrade(res: IncomingMessage): void {
    const socket = res.socket as TLSSocket;
    const cert = typeof socket.getPeerX509Certificate === 'function' ? socket.getPeerX509Certificate() : undefined;
    this.tlsCertDer = cert?.raw ?? (typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate(true).raw : undefined);
  }

  private onHttpAnswer(res: IncomingMessage): void {
    const retryAfterMs = retryAfterHeader(res);
    this.fail({ kind: 'http', message: `the server answered the upgrade with HTTP ${res.statusCode ?? '?'}`, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) }, 'terminate');
  }

  private onError(e: Error & { code?: string }): void {
    if (e.code?.startsWith('WS_ERR_')) this.violation(text(e.message, 200));
    else this.fail({ kind: 'network', message: text(e.message, 200) }, 'terminate');
  }

  private onOpen(): void {
    if (this.result) return;
    if (!this.tlsCertDer?.length) {
      this.violation('no TLS certificate was presented');
      return;
    }
    const { hello, ctx } = createHello(this.tlsCertDer);
    this.hello = ctx;
    this.phase = 'challenge';
    this.sendHandshake(hello);
  }

  private sendJson(frame: unknown): void {
    this.ws.send(JSON.stringify(frame));
  }

  /** Sends our own handshake frame after checking it against its schema (a bug here must not crash the agent). */
  private sendHandshake(frame: unknown): void {
    const r = AgentHandshakeFrame.safeParse(frame);
    if (!r.success) {
      const issue = r.error.issues[0];
      this.fail({ kind: 'local', message: `the agent built an invalid handshake frame: ${issue?.path.map(String).join('.')}: ${issue?.message ?? ''}` }, CLOSE_BY_AGENT.goingAway);
      return;
    }
    this.sendJson(r.data);
  }

  private onFrame(data: RawData, isBinary: boolean): void {
    this.touch();
    if (this.phase === 'ending' || this.phase === 'upgrade') return;
    if (isBinary) return this.violation('binary frame');
    let json: unknown;
    try {
      json = JSON.parse(rawText(data));
    } catch {
      return this.violation('frame is not JSON');
    }
    if (this.phase === 'live') {
      const live = LiveFrame.safeParse(json);
      if (!live.success) return this.violation(`bad session frame: ${text(live.error.issues[0]?.message ?? '', 120)}`);
      return this.dispatch(this.liveHandlers, live.data);
    }
    const hs = ServerHandshakeFrame.safeParse(json);
    if (!hs.success) return this.violation(`bad handshake frame: ${text(hs.error.issues[0]?.message ?? '', 120)}`);
    this.dispatch(this.handshakeHandlers, hs.data);
  }

  private dispatch<F extends { type: string }>(handlers: Handlers<F>, frame: F): void {
    const handler = handlers[frame.type as F['type']] as (f: F) => void;
    handler(frame);
  }

  private readonly handshakeHandlers: Handlers<HandshakeFrame> = {
    challenge: (c) => {
      if (this.phase !== 'challenge') return this.violation(`unexpected challenge during ${this.phase}`);
      void this.answerChallenge(c);
    },
    welcome: (w) => {
      if (this.phase !== 'welcome') return this.violation(`unexpected welcome during ${this.phase}`);
      this.onWelcome(w);
    },
    refused: (r) => this.onRefused(r),
  };

  private commandLink: CommandLink | undefined;

  /** Hands a command frame to the agent with this session's answer link (made on first use). */
  private onCommand(f: ServerCommandFrame): void {
    this.commandLink ??= {
      send: (frame, written) => {
        if (this.phase !== 'live' || this.ws.readyState !== WebSocket.OPEN) return false;
        this.ws.send(JSON.stringify(frame), written ? () => written() : undefined);
        return true;
      },
      closed: this.ended.then(() => undefined),
    };
    this.o.hooks.command?.(f, this.commandLink);
  }

  private readonly liveHandlers: Handlers<LiveFrame> = {
    run: (f) => this.onCommand(f),
    power: (f) => this.onCommand(f),
    wake: (f) => this.onCommand(f),
    known: (k) => {
      this.partBytes = k.reportPartBytes !== undefined ? Math.min(k.reportPartBytes, REPORT_PART_BYTES) : undefined;
      this.o.hooks.known(k);
    },
    reportAck: (a) => {
      if (!this.parts.ack(a)) this.violation(`unexpected reportAck ${a.id}/${a.seq}`);
    },
    relayOpen: (r) => {
      const hash = this.hello?.tlsCertHash;
      if (hash) this.o.hooks.relayOpen?.(r, { url: this.o.url, tlsCertHash: Buffer.from(hash).toString('hex') });
    },
    later: (l) => this.fail({ kind: 'later', message: `the server asked to come back later: ${text(l.reason, 200)}`, retryAfterMs: l.retryAfterMs }, CLOSE_BY_AGENT.normal),
    refused: (r) => this.onRefused(r),
    update: (f) => {
      const serverPublicKey = this.serverKey;
      if (serverPublicKey) this.o.hooks.update?.(f, { serverPublicKey, url: this.o.url, send: (s) => this.sendUpdateStatus(s) });
    },
  };

  private sendUpdateStatus(frame: AgentUpdateStatus): boolean {
    if (this.phase !== 'live' || this.ws.readyState !== WebSocket.OPEN) return false;
    const r = AgentUpdateStatus.safeParse(frame);
    if (!r.success) return false;
    this.ws.send(JSON.stringify(r.data));
    return true;
  }

  private async answerChallenge(challenge: ServerChallenge): Promise<void> {
    const ctx = this.hello;
    if (!ctx) return this.violation('challenge before hello');
    this.phase = 'signing';
    let auth;
    try {
      const serverKey = verifyChallenge(challenge, ctx, this.o.serverId);
      this.serverKey = serverKey;
      auth = await createAuth(this.o.identity, ctx, challenge, serverKey, this.o.info());
    } catch (e) {
      if (e instanceof HandshakeError) {
        const kind = e.code === 'server_id_mismatch' ? 'server_id' : 'violation';
        return this.fail({ kind, message: `${e.code}: ${e.message}` }, CLOSE_BY_AGENT.protocolError);
      }
      return this.fail({ kind: 'local', message: `could not sign the handshake: ${text((e as Error).message, 200)}` }, CLOSE_BY_AGENT.goingAway);
    }
    if (this.phase !== 'signing') return; // ended while the key was signing
    this.phase = 'welcome';
    this.sendHandshake(auth);
  }

  private onWelcome(w: ServerWelcome): void {
    if (w.deviceId !== deviceIdOf(this.o.identity.publicKeySpkiDer)) return this.violation('the welcome names another device id');
    clearTimeout(this.handshakeTimer);
    this.phase = 'live';
    this.welcomedAt = Date.now();
    const link: SessionLink = {
      send: (frame) => {
        if (this.phase !== 'live' || this.ws.readyState !== WebSocket.OPEN || this.parts.busy) return Promise.resolve(0);
        const json = JSON.stringify(frame);
        const partBytes = this.partBytes;
        if (partBytes !== undefined && Buffer.byteLength(json) > partBytes) return this.parts.send(json, partBytes);
        this.ws.send(json);
        return Promise.resolve(1);
      },
      updateStatus: (frame) => this.sendUpdateStatus(frame),
    };
    this.o.hooks.welcome(w, link);
  }

  private onRefused(r: ServerRefused): void {
    this.fail(
      {
        kind: 'refused',
        message: `refused by the server: ${r.code}${r.message ? ` (${text(r.message, 200)})` : ''}`,
        refusal: r.code,
        ...(r.retryAfterMs !== undefined ? { retryAfterMs: r.retryAfterMs } : {}),
      },
      CLOSE_BY_AGENT.normal,
    );
  }
}
