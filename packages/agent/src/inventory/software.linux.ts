/** Installed software from dpkg or rpm, as a changed-only report (the caller hashes it). */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { SoftwareInventory, SoftwarePackage } from '@meshwork/protocol/session/index';
import { text } from './sanitize.js';

const run = promisify(execFile);
const MAX = 20_000;

async function query(cmd: string, args: string[]): Promise<SoftwarePackage[] | null> {
  try {
    const { stdout } = await run(cmd, args, { timeout: 20_000, maxBuffer: 32 * 1024 * 1024 });
    const out: SoftwarePackage[] = [];
    for (const line of stdout.split('\n')) {
      const [name, version] = line.split('\t');
      if (name) out.push({ name: text(name, 256), version: text(version, 128) });
      if (out.length >= MAX) break;
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch {
    return null;
  }
}

export async function collectSoftware(): Promise<SoftwareInventory> {
  const dpkg = await query('dpkg-query', ['-W', '-f', '${Package}\t${Version}\n']);
  if (dpkg) return { source: 'dpkg', packages: dpkg };
  const rpm = await query('rpm', ['-qa', '--qf', '%{NAME}\t%{VERSION}-%{RELEASE}\n']);
  if (rpm) return { source: 'rpm', packages: rpm };
  return { source: 'none', packages: [] };
}
