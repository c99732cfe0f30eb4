/**
 * The agent's relay sessions. For each `relayOpen` from the server: re-check the rights the server
 * sent (with `can`, the one rights definition), check the options, respect the session cap, do
 * what must happen before dialling (tcp: connect to the target), dial the relay (dial.ts: pinned
 * to the control connection's certificate), and hand the socket to the protocol's handler. A
 * refusal still dials and closes with a relay close code and a reason, so the user learns why.
 */
import type WebSocket from 'ws';
import { RELAY_CAPABILITY, RELAY_CLOSE_CODES, relayOptionsFor, type RelayProtocol, type ServerRelayOpen, type TcpOptions, type TerminalOptions } from '@meshwork/protocol/relay/index';
import { can } from '@meshwork/protocol/rights';
import { silentLogger, type Logger } from '../connection/log.js';
import { dialRelay, type RelayContext } from './dial.js';

/** What a protocol handler gets: the open socket, the request, and its checked options. */
export interface RelaySession<O> {
  ws: WebSocket;
  open: ServerRelayOpen;
  options: O;
  log: Logger;
}

/** Work done before dialling; a thrown Error's message becomes the agentError close reason. */
export type Prepare<O, P> = (open: ServerRelayOpen, options: O) => Promise<P>;

export interface ProtocolHandler<O, P = undefined> {
  prepare?: Prepare<O, P>;
  /** Runs the session; resolves when it is over. */
  run(s: RelaySession<O>, prepared: P): Promise<void>;
  /** The session could not start after `prepare` succeeded: release what it made. */
  abandon?(prepared: P): void;
}

export interface RelayHandlers {
  terminal: ProtocolHandler<TerminalOptions, unknown>;
  files: ProtocolHandler<Record<string, never>, unknown>;
  tcp: ProtocolHandler<TcpOptions, unknown>;
}

export interface RelayManagerOptions {
  handlers: RelayHandlers;
  log?: Logger;
  maxSessions?: number;
  dial?: (ctx: RelayContext, token: string) => Promise<WebSocket>;
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e)).slice(0, 110);

export class RelayManager {
  private readonly sockets = new Set<WebSocket>();
  private starting = 0;
  private stopped = false;
  private readonly log: Logger;
  private readonly max: number;
  private readonly dial: (ctx: RelayContext, token: string) => Promise<WebSocket>;

  constructor(private readonly o: RelayManagerOptions) {
    this.log = o.log ?? silentLogger;
    this.max = o.maxSessions ?? 64;
    this.dial = o.dial ?? dialRelay;
  }

  /** Sessions open or starting. */
  get active(): number {
    return this.sockets.size + this.starting;
  }

  /** Handles one relayOpen; never throws. */
  open(frame: ServerRelayOpen, ctx: RelayContext): void {
    void this.start(frame, ctx).catch((e: unknown) => this.log.warn('relay session failed', { relayId: frame.relayId, error: errorText(e) }));
  }

  private refusal(frame: ServerRelayOpen): { code: number; reason: string } | null {
    if (this.stopped) return { code: RELAY_CLOSE_CODES.goingAway, reason: 'the agent is stopping' };
    if (!can(frame.rights, RELAY_CAPABILITY[frame.protocol])) return { code: RELAY_CLOSE_CODES.forbidden, reason: `your rights do not allow ${frame.protocol} sessions on this device` };
    if (relayOptionsFor(frame.protocol, frame.options) === null) return { code: RELAY_CLOSE_CODES.badRequest, reason: `bad options for a ${frame.protocol} session` };
    if (this.active >= this.max) return { code: RELAY_CLOSE_CODES.busy, reason: `the agent already runs ${this.max} sessions` };
    return null;
  }

  private async start(frame: ServerRelayOpen, ctx: RelayContext): Promise<void> {
    const meta = { relayId: frame.relayId, protocol: frame.protocol, user: frame.userName };
    let refused = this.refusal(frame);
    this.starting++;
    const handler = this.o.handlers[frame.protocol] as ProtocolHandler<unknown, unknown>;
    const options = relayOptionsFor(frame.protocol, frame.options);
    let prepared: unknown;
    let ws: WebSocket;
    try {
      if (!refused && handler.prepare) {
        try {
          prepared = await handler.prepare(frame, options);
        } catch (e) {
          refused = { code: RELAY_CLOSE_CODES.agentError, reason: errorText(e) };
        }
      }
      try {
        ws = await this.dial(ctx, frame.token);
      } catch (e) {
        if (!refused) handler.abandon?.(prepared);
        throw e;
      }
    } finally {
      this.starting--;
    }
    if (refused || this.stopped) {
      const r = refused ?? { code: RELAY_CLOSE_CODES.goingAway, reason: 'the agent is stopping' };
      if (!refused) handler.abandon?.(prepared);
      this.log.info('relay session refused', { ...meta, code: r.code, reason: r.reason });
      ws.resume();
      ws.close(r.code, r.reason);
      return;
    }
    this.sockets.add(ws);
    this.log.info('relay session started', meta);
    ws.on('error', (e) => this.log.debug('relay socket error', { ...meta, error: e.message }));
    try {
      const running = handler.run({ ws, open: frame, options, log: this.log }, prepared);
      ws.resume(); // the handler listens now (dial.ts paused the socket on open)
      await running;
    } finally {
      this.sockets.delete(ws);
      this.log.info('relay session ended', meta);
    }
  }

  /** Agent shutdown: closes every session (handlers clean up on close). */
  stop(): void {
    this.stopped = true;
    for (const ws of this.sockets) ws.close(RELAY_CLOSE_CODES.goingAway, 'the agent is stopping');
  }

  /** For tests: the protocols this manager serves. */
  static readonly PROTOCOLS: readonly RelayProtocol[] = ['terminal', 'files', 'tcp'];
}
