/**
 * `meshwork-agent store-install --install FILE`: checks the install file and copies it into the
 * state dir (0600), as `run --install` does first, then exits — so that the file handed over can be
 * deleted before the agent runs (`run --state DIR` then needs no --install). The web UI's one-liner
 * uses it: umask 077, write the file, store-install, rm -f the file, run.
 */
import { resolve } from 'node:path';
import { ensureStateDir } from '../identity/state.js';
import { readInstallFile, storeInstall } from '../run/install.js';
import { acquireLock } from '../status/lock.js';
import { DEFAULT_STATE_DIR, UsageError, type Values } from './args.js';
import type { CliIo } from './io.js';

export async function storeInstallCommand(values: Values, io: CliIo): Promise<number> {
  const path = typeof values.install === 'string' ? values.install : undefined;
  if (path === undefined) throw new UsageError('store-install: --install FILE is required');
  const stateDir = resolve(typeof values.state === 'string' ? values.state : DEFAULT_STATE_DIR);
  const install = await readInstallFile(path);
  await ensureStateDir(stateDir);
  const lock = await acquireLock(stateDir);
  try {
    await storeInstall(stateDir, install);
  } finally {
    await lock.release();
  }
  io.stdout(`stored the install file in ${stateDir}; start the agent with: meshwork-agent run --state ${stateDir}\n`);
  return 0;
}
