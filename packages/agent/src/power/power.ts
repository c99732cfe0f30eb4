/**
 * Power actions: reboot, shut down, suspend, with the operating system's own commands —
 * `systemctl reboot|poweroff|suspend`, falling back to `shutdown -r now` / `shutdown -h now`.
 * MESHWORK_AGENT_POWER_COMMAND replaces all of them with one program that gets the action as its
 * only argument (tests use it so that no test ever powers a machine off; labs may use it too).
 */
import { execFile } from 'node:child_process';
import type { PowerAction } from '@meshwork/protocol/commands/frames';
import { text } from '../inventory/sanitize.js';

export const POWER_COMMAND_ENV = 'MESHWORK_AGENT_POWER_COMMAND';
/** How long one OS command may take before it counts as failed. */
export const POWER_COMMAND_TIMEOUT_MS = 30_000;

const OS_COMMANDS: Record<PowerAction, string[][]> = {
  reboot: [['systemctl', 'reboot'], ['shutdown', '-r', 'now']],
  shutdown: [['systemctl', 'poweroff'], ['shutdown', '-h', 'now']],
  sleep: [['systemctl', 'suspend']],
};

/** The commands to try, in order, for an action. */
export function powerPlan(action: PowerAction, env: NodeJS.ProcessEnv): string[][] {
  const injected = env[POWER_COMMAND_ENV];
  if (injected !== undefined && injected !== '') return [[injected, action]];
  return OS_COMMANDS[action];
}

export interface PowerOutcome {
  ok: boolean;
  message: string;
}

export type CommandRunner = (argv: string[]) => Promise<PowerOutcome>;

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Runs one command (no shell) and reports whether it exited 0. */
export const runPowerCommand: CommandRunner = (argv) =>
  new Promise((resolve) => {
    const [file, ...args] = argv;
    execFile(file ?? '', args, { timeout: POWER_COMMAND_TIMEOUT_MS, env: { PATH }, windowsHide: true }, (err, _stdout, stderr) => {
      const what = argv.join(' ');
      if (!err) return resolve({ ok: true, message: text(`${what}: done`, 512) });
      const detail = String(stderr).trim().split('\n')[0] ?? '';
      resolve({ ok: false, message: text(`${what}: ${detail || err.message}`, 512) });
    });
  });

/** Tries the plan's commands in turn until one succeeds. */
export async function powerAction(action: PowerAction, env: NodeJS.ProcessEnv, run: CommandRunner = runPowerCommand): Promise<PowerOutcome> {
  const failures: string[] = [];
  for (const argv of powerPlan(action, env)) {
    const r = await run(argv);
    if (r.ok) return r;
    failures.push(r.message);
  }
  return { ok: false, message: text(failures.join('; '), 512) };
}
