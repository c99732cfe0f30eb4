/**
 * The System's part for commands (`sys.commands`): the run registry fed from the bus, and
 * request/answer over the bus for power and wake frames. One per process; closed with the System.
 */
import type { ServerPower, ServerWake } from '@meshwork/protocol';
import type { System } from '../../system.js';
import { AGENT_REPLIES_CHANNEL, AgentReplyMessage, RUNS_CHANNEL, RunMessage } from './bus.js';
import { sendToAgent, type AgentTarget } from './dispatch.js';
import { RunRegistry } from './registry.js';
import { recordRunResult } from './results.js';

/** How often deadlines and retention are checked. */
const SWEEP_MS = 5_000;

export interface CommandService {
  readonly runs: RunRegistry;
  /**
   * Sends a power or wake frame and resolves with the agent's answer — `reply: null` when it never
   * reached the agent, the connection closed first, or nothing came within `timeoutMs`.
   */
  request(target: AgentTarget, actorId: string, frame: ServerPower | ServerWake, timeoutMs: number): Promise<AgentReplyMessage>;
  close(): void;
}

type Parts = Pick<System, 'bus' | 'log' | 'store' | 'events' | 'now'>;

export function createCommandService(sys: Parts): CommandService {
  const runs = new RunRegistry(sys.bus.workerId, {
    lostAtDeadline(run, device) {
      const outcome = device.outcome;
      if (!outcome) return;
      recordRunResult(sys, { runId: run.id, deviceId: device.deviceId, actorId: run.actorId, state: device.state, outcome }).catch((err: unknown) =>
        sys.log.error({ err, runId: run.id }, 'recording a run result failed'),
      );
    },
  });
  const pending = new Map<string, (m: AgentReplyMessage | string) => void>();

  const unsubRuns = sys.bus.subscribe(RUNS_CHANNEL, (raw) => {
    const m = RunMessage.safeParse(raw);
    if (!m.success) return sys.log.warn({ channel: RUNS_CHANNEL }, 'malformed bus message ignored');
    runs.apply(m.data, sys.now());
  });
  const unsubReplies = sys.bus.subscribe(AGENT_REPLIES_CHANNEL, (raw) => {
    const m = AgentReplyMessage.safeParse(raw);
    if (!m.success) return sys.log.warn({ channel: AGENT_REPLIES_CHANNEL }, 'malformed bus message ignored');
    pending.get(m.data.requestId)?.(m.data);
  });
  const sweeper = setInterval(() => runs.sweep(sys.now()), SWEEP_MS);
  sweeper.unref();

  return {
    runs,
    request(target, actorId, frame, timeoutMs) {
      return new Promise<AgentReplyMessage>((resolve, reject) => {
        /** The answer, or why there is none. */
        const finish = (m: AgentReplyMessage | string): void => {
          clearTimeout(timer);
          pending.delete(frame.requestId);
          resolve(typeof m === 'string' ? { requestId: frame.requestId, deviceId: target.deviceId, reply: null, message: m } : m);
        };
        const timer = setTimeout(() => finish('the agent did not answer in time'), timeoutMs);
        pending.set(frame.requestId, finish);
        sendToAgent(sys, target, actorId, frame).catch((err: unknown) => {
          clearTimeout(timer);
          pending.delete(frame.requestId);
          reject(err instanceof Error ? err : new Error(String(err)));
        });
      });
    },
    close() {
      clearInterval(sweeper);
      unsubRuns();
      unsubReplies();
      for (const finish of [...pending.values()]) finish('the server is shutting down');
      runs.clear();
    },
  };
}
