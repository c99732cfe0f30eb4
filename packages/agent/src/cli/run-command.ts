/**
 * `meshwork-agent run`: take the state dir (lock), settle the install file (copy --install in, or
 * use the stored copy), open the identity (first run: one key, one certificate; later: none), run
 * the agent until SIGTERM/SIGINT, then leave status.json saying "not connected" and release the lock.
 */
import { resolve } from 'node:path';
import { PRODUCT_VERSION } from '@meshwork/protocol/version';
import { timingFromEnv, TimingError } from '../connection/timing.js';
import { openIdentity } from '../identity/identity.js';
import type { KeyProviderKind } from '../identity/key-provider.js';
import { ensureStateDir } from '../identity/state.js';
import { parseTcti, TctiError } from '../identity/tpm/tcti.js';
import { Agent } from '../run/agent.js';
import { INSTALL_FILE, loadStoredInstall, readInstallFile, storeInstall } from '../run/install.js';
import { acquireLock } from '../status/lock.js';
import { agentPlatformOf } from '@meshwork/protocol/session/index';
import { serviceUpdates } from '../update/service.js';
import { DEFAULT_STATE_DIR, UsageError, type Values } from './args.js';
import type { CliIo } from './io.js';
import { createLogger, isLogLevel } from './log.js';

const str = (v: string | boolean | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

function options(values: Values) {
  const kp = str(values['key-provider']);
  if (kp !== undefined && kp !== 'tpm' && kp !== 'file') throw new UsageError(`run: --key-provider must be tpm or file, not "${kp}"`);
  const keyProvider: KeyProviderKind | undefined = kp;
  const tpm = str(values.tpm);
  if (tpm !== undefined) {
    if (keyProvider === 'file') throw new UsageError('run: --tpm cannot be combined with --key-provider file');
    try {
      parseTcti(tpm);
    } catch (e) {
      if (e instanceof TctiError) throw new UsageError(`run: --tpm: ${e.message}`);
      throw e;
    }
  }
  const level = str(values['log-level']) ?? 'info';
  if (!isLogLevel(level)) throw new UsageError(`run: --log-level must be error, warn, info or debug, not "${level}"`);
  return { keyProvider, tpm, level, install: str(values.install), stateDir: resolve(str(values.state) ?? DEFAULT_STATE_DIR) };
}

export async function runCommand(values: Values, io: CliIo): Promise<number> {
  const o = options(values);
  let timing;
  try {
    timing = timingFromEnv(io.env);
  } catch (e) {
    if (e instanceof TimingError) throw new UsageError(e.message);
    throw e;
  }
  const log = createLogger(o.level, io.stderr);
  const signalled = io.untilSignal(); // from here on, SIGTERM/SIGINT mean "stop cleanly"
  const given = o.install !== undefined ? await readInstallFile(o.install) : undefined;
  if (!given && !(await loadStoredInstall(o.stateDir))) {
    throw new UsageError(`run: ${o.stateDir} has no ${INSTALL_FILE} yet; the first run needs --install FILE (the output of \`meshwork group install-file\`)`);
  }
  await ensureStateDir(o.stateDir);
  const lock = await acquireLock(o.stateDir);
  let exitCode = 0;
  try {
    let install = await loadStoredInstall(o.stateDir);
    if (given) {
      if (install && install.serverId !== given.serverId) log.warn('the install file names another server (ServerID); replacing the stored one');
      await storeInstall(o.stateDir, given);
      install = given;
    }
    if (!install) throw new UsageError(`run: ${o.stateDir} has no ${INSTALL_FILE}; pass --install FILE`);
    const identity = await openIdentity({
      stateDir: o.stateDir,
      ...(o.keyProvider !== undefined ? { keyProvider: o.keyProvider } : {}),
      ...(o.tpm !== undefined ? { tpm: o.tpm } : {}),
    });
    try {
      const s = identity.status();
      log.info('identity ready', { deviceId: s.deviceId, keyProvider: s.keyProvider, keyGenerations: s.keyGenerations, certGenerations: s.certGenerations });
      // Which secret enrols, never the secret itself (it enrols devices into the group).
      const enrolsWith = install.enrolmentToken !== undefined ? 'token' : install.enrolmentKey !== undefined ? 'group key' : 'nothing';
      log.info('starting', { serverId: install.serverId, groupId: install.groupId, enrolsWith, servers: install.serverUrls.join(' ') });
      // Self-update only as the installed service (update/service.ts); `exit` ends this run with a code.
      const service = serviceUpdates(io.env, io.self?.execPath ?? process.execPath);
      let exit: (r: { code: number; why: string }) => void = () => undefined;
      const exited = new Promise<{ code: number; why: string }>((resolve) => (exit = resolve));
      const updates = service ? { ...service, version: PRODUCT_VERSION, platform: agentPlatformOf(process.platform, process.arch), exit: (code: number, why: string) => exit({ code, why }) } : undefined;
      if (updates) log.info('self-update enabled', { lib: service?.layout.lib, platform: updates.platform });
      const agent = new Agent({ stateDir: o.stateDir, install, identity, timing, log, env: io.env, ...(updates ? { updates } : {}) }).start();
      const end = await Promise.race([signalled.then((signal) => ({ code: 0, why: `signal ${signal}` })), exited]);
      log.info('stopping', { reason: end.why });
      await agent.stop();
      exitCode = end.code;
    } finally {
      await identity.close();
    }
  } finally {
    await lock.release();
  }
  return exitCode;
}
