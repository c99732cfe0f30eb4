/**
 * `meshwork-agent install`: puts this executable into the install layout (layout.ts), stores the
 * install file and makes the identity in the state dir, writes and enables the unit, and starts
 * (or restarts) the service when systemd runs. Re-running it is harmless: the same files are
 * written again, the identity is kept, and a running service is restarted into this executable.
 */
import { mkdir, readdir, rm, symlink, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { openIdentity, readIdentityStatus } from '../identity/identity.js';
import { ensureStateDir } from '../identity/state.js';
import { readInstallFile, storeInstall } from '../run/install.js';
import { acquireLock, AgentRunningError } from '../status/lock.js';
import { removeUpdateRecord } from '../update/record.js';
import { BIN_PATH, BIN_TARGET, layoutAt, STATE_PATH, UNIT_NAME, UNIT_PATH, versionDir, versionExecutable, type Layout } from './layout.js';
import { installExecutable, writePublicFile } from './files.js';
import { replaceSymlink, versionTarget } from './links.js';
import { insideService, systemctl, systemdRunning } from './systemd.js';
import { unitText } from './unit.js';

export interface InstallOptions {
  /** '/' on a device; a directory for tests and image builds (systemd is then never called). */
  root: string;
  installFile: string;
  /** The executable to install (process.execPath of the self-contained agent). */
  executable: string;
  version: string;
  /** Start (or restart) the service; false: install and enable only. */
  start: boolean;
  /** One line of progress for the user. */
  say(line: string): void;
  /** Whether systemd runs here (default: /run/systemd/system exists); only asked for root '/'. */
  systemd?: boolean;
}

export class InstallError extends Error {
  override name = 'InstallError';
}

/** The `multi-user.target.wants` link `systemctl enable` makes (written directly under a --root). */
export const wantsLink = (l: Layout): string => join(dirname(l.unit), 'multi-user.target.wants', UNIT_NAME);

/** Stores the install file and opens (first time: creates) the identity; returns the device id. */
async function prepareState(stateDir: string, installFile: string): Promise<{ deviceId: string; running: boolean }> {
  const install = await readInstallFile(installFile);
  await ensureStateDir(stateDir);
  let lock;
  try {
    lock = await acquireLock(stateDir);
  } catch (e) {
    if (!(e instanceof AgentRunningError)) throw e;
    // The agent runs (the service, or one started by hand): the install file is replaced
    // atomically and read at its next start; the identity exists already.
    await storeInstall(stateDir, install);
    const s = await readIdentityStatus(stateDir);
    if (!s) throw new InstallError(`${stateDir} is held by a running agent (pid ${e.pid}) but has no identity yet; stop it and run install again`);
    return { deviceId: s.deviceId, running: true };
  }
  try {
    await storeInstall(stateDir, install);
    const identity = await openIdentity({ stateDir });
    const deviceId = identity.deviceId;
    await identity.close();
    return { deviceId, running: false };
  } finally {
    await lock.release();
  }
}

export async function installService(o: InstallOptions): Promise<{ deviceId: string }> {
  // The one-liner runs with umask 077 (the install file holds a secret); the directories made here
  // (lib, versions, bin, unit dir) are for everyone to read. Modes of secret files are set explicitly.
  const umask = process.umask(0o022);
  try {
    return await install(o);
  } finally {
    process.umask(umask);
  }
}

async function install(o: InstallOptions): Promise<{ deviceId: string }> {
  const l = layoutAt(o.root);
  const live = o.root === '/' && (o.systemd ?? systemdRunning());
  await readInstallFile(o.installFile); // refuse a bad install file before anything is written

  await installExecutable(o.executable, versionExecutable(l, o.version));
  await replaceSymlink(l.current, versionTarget(o.version));
  await replaceSymlink(l.good, versionTarget(o.version));
  for (const name of await readdir(l.versions)) {
    if (name !== o.version) await rm(versionDir(l, name), { recursive: true, force: true });
  }
  await mkdir(dirname(l.bin), { recursive: true, mode: 0o755 });
  await replaceSymlink(l.bin, BIN_TARGET);
  o.say(`installed version ${o.version} in ${join(l.lib, 'versions', o.version)} (${l.bin} → ${BIN_TARGET})`);

  const { deviceId, running } = await prepareState(l.state, o.installFile);
  await removeUpdateRecord(l.state); // a fresh install is nobody's trial
  o.say(`state in ${l.state} (0700): install file stored, identity ready`);

  await writePublicFile(l.unit, unitText());
  if (live) {
    await systemctl('daemon-reload');
    await systemctl('enable', '--quiet', UNIT_NAME);
    o.say(`wrote and enabled ${UNIT_PATH}`);
    if (o.start) {
      // From the agent's own terminal, a blocking restart would end this very process first.
      await systemctl('restart', ...(insideService() ? ['--no-block'] : []), UNIT_NAME);
      o.say(`${running ? 'restarted' : 'started'} ${UNIT_NAME}; follow it with: journalctl -u ${UNIT_NAME} -f`);
    } else {
      o.say(`not started (--no-start); start it with: systemctl start ${UNIT_NAME}`);
    }
  } else {
    await mkdir(dirname(wantsLink(l)), { recursive: true, mode: 0o755 });
    await unlink(wantsLink(l)).catch(() => undefined);
    await symlink(UNIT_PATH, wantsLink(l));
    if (o.root !== '/') {
      o.say(`wrote and enabled ${l.unit} (inside ${o.root}; systemd was not asked)`);
    } else {
      o.say(`wrote and enabled ${UNIT_PATH}, but systemd is not running here (no /run/systemd/system), so nothing was started.`);
      o.say(`Run the agent by hand (as root, kept running by whatever supervises this system):`);
      o.say(`  ${BIN_PATH} run --state ${STATE_PATH}`);
    }
  }
  return { deviceId };
}
