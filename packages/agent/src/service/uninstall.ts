/**
 * `meshwork-agent uninstall [--purge]`: stops and disables the service, removes the unit, the
 * command link and every installed version; keeps the state dir (identity, install file) unless
 * purged, so a re-install comes back as the same device.
 */
import { access, readlink, rm, unlink } from 'node:fs/promises';
import { UNIT_NAME, BIN_TARGET, layoutAt } from './layout.js';
import { wantsLink } from './install.js';
import { insideService, systemctl, systemdRunning } from './systemd.js';

export interface UninstallOptions {
  root: string;
  purge: boolean;
  say(line: string): void;
  systemd?: boolean;
}

const exists = (p: string) => access(p).then(() => true, () => false);

async function removeFile(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

export async function uninstallService(o: UninstallOptions): Promise<void> {
  const l = layoutAt(o.root);
  const live = o.root === '/' && (o.systemd ?? systemdRunning());
  // Run from the agent's own terminal, stopping the unit ends this process: then stop it last.
  const selfInside = live && insideService();
  if (live) {
    await systemctl('disable', ...(selfInside ? [] : ['--now']), '--quiet', UNIT_NAME).catch((e: Error) => o.say(`(systemctl: ${e.message})`));
  }
  const hadUnit = await removeFile(l.unit);
  await removeFile(wantsLink(l));
  if (live) await systemctl('daemon-reload').catch((e: Error) => o.say(`(systemctl: ${e.message})`));
  o.say(hadUnit ? `removed ${l.unit}` : `no unit at ${l.unit}`);

  let target: string | undefined;
  try {
    target = await readlink(l.bin);
  } catch {
    target = undefined;
  }
  if (target === BIN_TARGET) {
    await unlink(l.bin);
    o.say(`removed ${l.bin}`);
  } else if (target !== undefined) {
    o.say(`left ${l.bin}: it points to ${target}, not to this agent`);
  }
  if (await exists(l.lib)) {
    await rm(l.lib, { recursive: true, force: true });
    o.say(`removed ${l.lib}`);
  }
  if (!(await exists(l.state))) {
    o.say(`no state dir at ${l.state}`);
  } else if (o.purge) {
    await rm(l.state, { recursive: true, force: true });
    o.say(`removed ${l.state} (the identity is gone: a new install is a new device)`);
  } else {
    o.say(`kept ${l.state} (identity and install file; remove it with --purge)`);
  }
  if (selfInside) {
    o.say(`stopping ${UNIT_NAME}: this terminal ends with it`);
    await systemctl('stop', '--no-block', UNIT_NAME).catch((e: Error) => o.say(`(systemctl: ${e.message})`));
  }
}
