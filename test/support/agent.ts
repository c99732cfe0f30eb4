/**
 * The real `meshwork-agent` program for end-to-end tests: `run` as a registered child process,
 * `status` as a one-shot command read as JSON.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { AgentStatusReport } from '@meshwork/agent/status/report';
import { waitFor } from './poll.js';
import { AGENT_MAIN, cleanEnv, Proc, type ProcessSet, type Result } from './processes.js';

export type { AgentStatusReport };

/** Backoff factor for agents in tests: first retry after 10–30 ms instead of 1–3 s. */
export const TEST_BACKOFF_SCALE = '0.01';

export interface AgentRunOptions {
  install?: string;
  keyProvider?: 'file' | 'tpm';
  tpm?: string;
  backoffScale?: string;
}

/** Starts `meshwork-agent run --state DIR …` (log level debug: the log is shown when a test fails). */
export function startAgent(procs: ProcessSet, stateDir: string, o: AgentRunOptions = {}): Proc {
  const args = [AGENT_MAIN, 'run', '--state', stateDir, '--log-level', 'debug'];
  if (o.install !== undefined) args.push('--install', o.install);
  if (o.keyProvider !== undefined) args.push('--key-provider', o.keyProvider);
  if (o.tpm !== undefined) args.push('--tpm', o.tpm);
  return procs.spawn(`agent ${stateDir}`, args, cleanEnv({ MESHWORK_AGENT_BACKOFF_SCALE: o.backoffScale ?? TEST_BACKOFF_SCALE }));
}

/** Runs `meshwork-agent ARGS` to completion. */
export function agentCommand(args: string[]): Promise<Result> {
  return new Proc('meshwork-agent', spawn(process.execPath, [AGENT_MAIN, ...args], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] })).exited;
}

/** `meshwork-agent status --state DIR`, parsed; rejects when it does not exit 0. */
export async function agentStatus(stateDir: string): Promise<AgentStatusReport> {
  const r = await agentCommand(['status', '--state', stateDir]);
  if (r.code !== 0) throw new Error(`meshwork-agent status exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as AgentStatusReport;
}

/** Waits until `status` satisfies `ok` (failing early when the agent process exited). */
export function waitForStatus(label: string, agent: Proc, stateDir: string, ok: (s: AgentStatusReport) => boolean): Promise<AgentStatusReport> {
  return waitFor(
    label,
    async () => {
      if (!agent.running) throw new Error(`the agent exited (${agent.child.exitCode ?? agent.child.signalCode})\n${agent.tail()}`);
      const s = await agentStatus(stateDir);
      return ok(s) ? s : undefined;
    },
    { describe: () => agent.tail() },
  );
}

/** Waits until the agent says it is connected (welcomed by the server). */
export function waitConnected(agent: Proc, stateDir: string): Promise<AgentStatusReport> {
  return waitForStatus('the agent to be connected', agent, stateDir, (s) => s.connected);
}

/** SIGTERM; the agent must stop cleanly (exit 0). */
export async function stopAgent(agent: Proc): Promise<void> {
  const r = await agent.stop();
  assert.equal(r.code, 0, `the agent did not stop cleanly (${r.code ?? r.signal})\n${agent.tail()}`);
}
