/**
 * The agent's side of commands, power and Wake-on-LAN: one handler per server frame type
 * (`run`, `power`, `wake`), each answering on the command link of the session it came from.
 *
 * Runs are capped (MAX_RUNS at once; more are answered at once with an error) and keep going when
 * the session drops — their output is then dropped, and the server reports them `lost`. Agent
 * shutdown ends them (SIGTERM, then SIGKILL to each process group).
 */
import type { ServerCommandFrame, ServerPower, ServerRun, ServerWake } from '@meshwork/protocol/commands/frames';
import type { CommandLink } from '../connection/session.js';
import { silentLogger, type Logger } from '../connection/log.js';
import { text } from '../inventory/sanitize.js';
import { powerAction, runPowerCommand, type CommandRunner } from '../power/power.js';
import { sendMagicPackets, targetOverride } from '../wake/send.js';
import { CommandRun, runEnv, type RunnerOptions } from './runner.js';

export const MAX_RUNS = 16;

export interface AgentCommandsOptions {
  /** The agent's environment: LANG for commands, MESHWORK_AGENT_POWER_COMMAND, MESHWORK_AGENT_WOL_TARGET. */
  env: NodeJS.ProcessEnv;
  log?: Logger;
  maxRuns?: number;
  /** Test hooks. */
  runner?: RunnerOptions;
  powerRunner?: CommandRunner;
}

type Handlers = { [K in ServerCommandFrame['type']]: (f: Extract<ServerCommandFrame, { type: K }>, link: CommandLink) => void };

export class AgentCommands {
  private readonly runs = new Map<string, CommandRun>();
  private readonly log: Logger;
  private stopped = false;

  constructor(private readonly o: AgentCommandsOptions) {
    this.log = o.log ?? silentLogger;
  }

  get running(): number {
    return this.runs.size;
  }

  handle(frame: ServerCommandFrame, link: CommandLink): void {
    const handler = this.handlers[frame.type] as (f: ServerCommandFrame, l: CommandLink) => void;
    handler(frame, link);
  }

  /** Ends every running command and waits for them (at most a few seconds: SIGKILL follows SIGTERM). */
  async stop(): Promise<void> {
    this.stopped = true;
    const runs = [...this.runs.values()];
    for (const r of runs) r.kill();
    await Promise.all(runs.map((r) => r.done));
  }

  private readonly handlers: Handlers = {
    run: (f, link) => this.run(f, link),
    power: (f, link) => void this.power(f, link),
    wake: (f, link) => void this.wake(f, link),
  };

  private run(f: ServerRun, link: CommandLink): void {
    if (this.runs.has(f.runId)) return; // a repeated frame: the first one is running
    const refuse = (error: string): void =>
      void link.send({ type: 'runExit', runId: f.runId, exitCode: null, signal: null, timedOut: false, truncated: false, error, durationMs: 0 });
    if (this.stopped) return refuse('the agent is stopping');
    if (this.runs.size >= (this.o.maxRuns ?? MAX_RUNS)) return refuse(`${this.runs.size} commands are already running on this device`);
    const program = f.argv ? (f.argv[0] ?? '') : 'sh -c';
    this.log.info('running a command', { runId: f.runId, program: text(program, 200), timeoutMs: f.timeoutMs });
    let run: CommandRun;
    try {
      run = new CommandRun(f, { send: (frame, written) => link.send(frame, written) }, { env: runEnv(this.o.env, f.runId), ...this.o.runner });
    } catch (e) {
      return refuse(text(`cannot start: ${(e as Error).message}`, 256));
    }
    this.runs.set(f.runId, run);
    void link.closed.then(() => run.linkClosed());
    void run.done.then((exit) => {
      this.runs.delete(f.runId);
      this.log.info('command ended', { runId: f.runId, exitCode: exit.exitCode, signal: exit.signal, timedOut: exit.timedOut, truncated: exit.truncated, error: exit.error });
    });
  }

  private async power(f: ServerPower, link: CommandLink): Promise<void> {
    this.log.warn('power action requested by the server', { action: f.action });
    let outcome;
    try {
      outcome = await powerAction(f.action, this.o.env, this.o.powerRunner ?? runPowerCommand);
    } catch (e) {
      outcome = { ok: false, message: text((e as Error).message, 512) };
    }
    this.log[outcome.ok ? 'info' : 'warn']('power action', { action: f.action, ok: outcome.ok, message: outcome.message });
    link.send({ type: 'powerResult', requestId: f.requestId, action: f.action, ok: outcome.ok, message: outcome.message });
  }

  private async wake(f: ServerWake, link: CommandLink): Promise<void> {
    let sent = 0;
    let message: string;
    try {
      const r = await sendMagicPackets(f.macs, f.targets, targetOverride(this.o.env));
      sent = r.sent;
      const what = `sent ${r.sent} magic packet${r.sent === 1 ? '' : 's'}`;
      message = r.errors.length === 0 ? what : `${what}; ${r.errors.join('; ')}`;
    } catch (e) {
      message = (e as Error).message;
    }
    this.log.info('wake-on-lan', { macs: f.macs.length, sent });
    link.send({ type: 'wakeResult', requestId: f.requestId, ok: sent > 0, sent: Math.min(sent, 1024), message: text(message, 512) });
  }
}
