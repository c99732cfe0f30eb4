/**
 * The agent endpoint's half of deliveries: frames from AGENT_DELIVERIES_CHANNEL (relayOpen, run,
 * power, wake) go onto this worker's agent sockets — unless the agent did not announce the
 * capability the frame needs: then a run ends `failed` and a power or wake request is answered
 * `not_supported` at once (the agent is never sent what it cannot handle) — and the agents' answers
 * to commands come back here. Only what was sent on a connection is
 * accepted from it: output or an exit for a run it was given, a result for a request it was asked —
 * anything else is ignored. Per run it forwards output to RUNS_CHANNEL (cut at the run's
 * maxOutputBytes), and at the end records the `run.result` event. When the connection closes, or
 * the agent stays silent past the deadline, its runs are `lost` and its requests answered `null`.
 */
import type { AgentCommandFrame, AgentPowerResult, AgentRunExit, AgentRunOutput, AgentWakeResult, RunDeviceState, RunOutcome, ServerSessionFrame } from '@meshwork/protocol';
import type { System } from '../../system.js';
import { notSupportedMessage } from '../agents/capabilities.js';
import { AGENT_DELIVERIES_CHANNEL, AGENT_REPLIES_CHANNEL, AgentDelivery, RUNS_CHANNEL, type AgentReplyMessage, type RunExitMessage, type RunOutputMessage } from './bus.js';
import { lostOutcome, RESULT_GRACE_MS } from './registry.js';
import { Excerpt, outcomeOfExit, recordRunResult, stateOfExit } from './results.js';

/** What the relay needs of an agent connection. */
export interface CommandConnection {
  readonly deviceId: string | null;
  readonly connectionId: string;
  /** Puts a frame on the socket; false when the session is not live. */
  deliver(frame: ServerSessionFrame): boolean;
  /** The capability the agent did not announce for `frame`, or null. */
  lacks(frame: ServerSessionFrame): string | null;
}

/** How long a power or wake request waits for the agent's answer on this side. */
export const REQUEST_TRACK_MS = 60_000;

interface TrackedRun {
  runId: string;
  deviceId: string;
  actorId: string;
  maxOutputBytes: number;
  received: number;
  stdout: Excerpt;
  stderr: Excerpt;
  timer: NodeJS.Timeout;
}

interface TrackedRequest {
  requestId: string;
  deviceId: string;
  timer: NodeJS.Timeout;
}

interface Tracked {
  runs: Map<string, TrackedRun>;
  requests: Map<string, TrackedRequest>;
}

type FrameHandlers = { [K in AgentCommandFrame['type']]: (conn: CommandConnection, t: Tracked, f: Extract<AgentCommandFrame, { type: K }>) => void };

export class AgentCommandRelay {
  private readonly byConnection = new Map<string, Tracked>();
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly sys: System,
    /** This worker's live session of the device on that connection, if any. */
    private readonly find: (deviceId: string, connectionId: string) => CommandConnection | undefined,
  ) {}

  start(): void {
    this.unsubscribe ??= this.sys.bus.subscribe(AGENT_DELIVERIES_CHANNEL, (raw) => {
      const m = AgentDelivery.safeParse(raw);
      if (!m.success) return this.sys.log.warn({ channel: AGENT_DELIVERIES_CHANNEL }, 'malformed bus message ignored');
      if (m.data.workerId === this.sys.bus.workerId) this.onMessage(m.data);
    });
  }

  /** Stops listening and forgets every tracked run and request (server shutdown). */
  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    for (const t of this.byConnection.values()) {
      for (const r of t.runs.values()) clearTimeout(r.timer);
      for (const q of t.requests.values()) clearTimeout(q.timer);
    }
    this.byConnection.clear();
  }

  /** Runs and requests in flight on this worker (tests, metrics). */
  get inFlight(): number {
    let n = 0;
    for (const t of this.byConnection.values()) n += t.runs.size + t.requests.size;
    return n;
  }

  /** An answer from an agent, already parsed with AgentCommandFrame. */
  onFrame(conn: CommandConnection, frame: AgentCommandFrame): void {
    const t = this.byConnection.get(conn.connectionId);
    if (!t) return;
    const handler = this.handlers[frame.type] as (c: CommandConnection, t: Tracked, f: AgentCommandFrame) => void;
    handler(conn, t, frame);
  }

  /** The connection is gone: whatever it was given has no result now. */
  onClosed(conn: CommandConnection): void {
    const t = this.byConnection.get(conn.connectionId);
    if (!t) return;
    this.byConnection.delete(conn.connectionId);
    for (const r of t.runs.values()) this.endRun(t, r, 'lost', lostOutcome('the agent disconnected'));
    for (const q of t.requests.values()) this.endRequest(t, q, null, 'the agent disconnected before answering');
  }

  private onMessage(m: AgentDelivery): void {
    const conn = this.find(m.deviceId, m.connectionId);
    const f = m.frame;
    const gone = 'the agent is not connected any more';
    const missing = conn?.lacks(f) ?? null;
    if (f.type === 'relayOpen') {
      // Nothing waits for an answer: a relay session that never pairs expires.
      if (missing !== null) this.sys.log.warn({ deviceId: m.deviceId, relayId: f.relayId, capability: missing }, 'relayOpen not sent: the agent does not support it');
      else if (!conn?.deliver(f)) this.sys.log.debug({ deviceId: m.deviceId, relayId: f.relayId }, 'relayOpen dropped: the agent is not connected any more');
      return;
    }
    if (f.type === 'run' && m.actorId === undefined) return this.sys.log.warn({ channel: AGENT_DELIVERIES_CHANNEL }, 'run delivery without an actor ignored');
    const actorId = m.actorId ?? '';
    if (!conn || missing !== null) {
      const why = missing !== null ? notSupportedMessage(missing) : gone;
      if (f.type === 'run') this.finishRun(f.runId, m.deviceId, actorId, missing !== null ? 'failed' : 'lost', lostOutcome(why));
      else this.reply(f.requestId, m.deviceId, null, why, missing !== null ? 'not_supported' : undefined);
      return;
    }
    const t = this.tracked(m.connectionId);
    if (f.type === 'run') {
      const timer = setTimeout(() => this.endRun(t, run, 'lost', lostOutcome('no result from the agent before the deadline')), f.timeoutMs + RESULT_GRACE_MS / 2);
      timer.unref();
      const run: TrackedRun = { runId: f.runId, deviceId: m.deviceId, actorId, maxOutputBytes: f.maxOutputBytes, received: 0, stdout: new Excerpt(), stderr: new Excerpt(), timer };
      t.runs.set(f.runId, run);
      if (!conn.deliver(f)) this.endRun(t, run, 'lost', lostOutcome(gone));
      return;
    }
    const timer = setTimeout(() => this.endRequest(t, req, null, 'the agent did not answer'), REQUEST_TRACK_MS);
    timer.unref();
    const req: TrackedRequest = { requestId: f.requestId, deviceId: m.deviceId, timer };
    t.requests.set(f.requestId, req);
    if (!conn.deliver(f)) this.endRequest(t, req, null, gone);
  }

  private tracked(connectionId: string): Tracked {
    let t = this.byConnection.get(connectionId);
    if (!t) this.byConnection.set(connectionId, (t = { runs: new Map(), requests: new Map() }));
    return t;
  }

  private readonly handlers: FrameHandlers = {
    runOutput: (_c, t, f) => this.onOutput(t, f),
    runExit: (_c, t, f) => this.onExit(t, f),
    powerResult: (_c, t, f) => this.onReply(t, f),
    wakeResult: (_c, t, f) => this.onReply(t, f),
  };

  private onOutput(t: Tracked, f: AgentRunOutput): void {
    const run = t.runs.get(f.runId);
    if (!run) return;
    const data = Buffer.from(f.data, 'base64');
    const room = run.maxOutputBytes - run.received;
    if (room <= 0) return;
    const kept = data.length > room ? data.subarray(0, room) : data;
    run.received += kept.length;
    run[f.stream].add(kept);
    const m: RunOutputMessage = { type: 'output', runId: run.runId, deviceId: run.deviceId, stream: f.stream, data: kept === data ? f.data : kept.toString('base64') };
    this.publish(RUNS_CHANNEL, m);
  }

  private onExit(t: Tracked, f: AgentRunExit): void {
    const run = t.runs.get(f.runId);
    if (run) this.endRun(t, run, stateOfExit(f), outcomeOfExit(f));
  }

  private onReply(t: Tracked, f: AgentPowerResult | AgentWakeResult): void {
    const req = t.requests.get(f.requestId);
    if (req) this.endRequest(t, req, f, f.message);
  }

  private endRun(t: Tracked, run: TrackedRun, state: RunDeviceState, outcome: RunOutcome): void {
    if (t.runs.get(run.runId) !== run) return;
    t.runs.delete(run.runId);
    clearTimeout(run.timer);
    this.finishRun(run.runId, run.deviceId, run.actorId, state, outcome, run.stdout, run.stderr);
  }

  private finishRun(runId: string, deviceId: string, actorId: string, state: RunDeviceState, outcome: RunOutcome, stdout?: Excerpt, stderr?: Excerpt): void {
    const m: RunExitMessage = { type: 'exit', runId, deviceId, state, outcome };
    this.publish(RUNS_CHANNEL, m);
    recordRunResult(this.sys, { runId, deviceId, actorId, state, outcome, ...(stdout ? { stdout } : {}), ...(stderr ? { stderr } : {}) }).catch((err: unknown) =>
      this.sys.log.error({ err, runId }, 'recording a run result failed'),
    );
  }

  private endRequest(t: Tracked, req: TrackedRequest, reply: AgentPowerResult | AgentWakeResult | null, message: string): void {
    if (t.requests.get(req.requestId) !== req) return;
    t.requests.delete(req.requestId);
    clearTimeout(req.timer);
    this.reply(req.requestId, req.deviceId, reply, message);
  }

  private reply(requestId: string, deviceId: string, reply: AgentPowerResult | AgentWakeResult | null, message: string, code?: 'not_supported'): void {
    const m: AgentReplyMessage = { requestId, deviceId, reply, message: message.slice(0, 512), ...(code ? { code } : {}) };
    this.publish(AGENT_REPLIES_CHANNEL, m);
  }

  private publish(channel: string, m: unknown): void {
    this.sys.bus.publish(channel, m).catch((err: unknown) => this.sys.log.error({ err, channel }, 'bus publish failed'));
  }
}
