/** systemd on the running system: is it the init, and `systemctl` with its output captured. */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { UNIT_NAME } from './layout.js';

/** The documented test: systemd is the running init when /run/systemd/system exists (sd_booted(3)). */
export const systemdRunning = (): boolean => existsSync('/run/systemd/system');

/** True when this process runs inside the agent's own service (its cgroup): stopping the unit ends us too. */
export function insideService(): boolean {
  try {
    return readFileSync('/proc/self/cgroup', 'utf8').includes(`/${UNIT_NAME}`);
  } catch {
    return false;
  }
}

export class SystemctlError extends Error {
  override name = 'SystemctlError';
}

export function systemctl(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('systemctl', args, { timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) reject(new SystemctlError(`systemctl ${args.join(' ')} failed: ${(stderr || err.message).trim().slice(0, 500)}`));
      else resolve(stdout);
    });
  });
}

/** `systemctl is-active`, which exits non-zero for anything but active. */
export async function unitActive(): Promise<boolean> {
  try {
    return (await systemctl('is-active', '--quiet', UNIT_NAME)) !== undefined;
  } catch {
    return false;
  }
}
