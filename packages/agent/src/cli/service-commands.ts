/**
 * `meshwork-agent install`, `uninstall` and `update-guard` (service/, update/guard.ts). install
 * copies this very executable, so it works only from the self-contained agent; from a checkout it
 * says how to run the agent instead.
 */
import { resolve } from 'node:path';
import { PRODUCT_VERSION } from '@meshwork/protocol/version';
import { installService } from '../service/install.js';
import { layoutAt, layoutOfExecutable, STATE_PATH } from '../service/layout.js';
import { uninstallService } from '../service/uninstall.js';
import { runGuard } from '../update/guard.js';
import { DEFAULT_STATE_DIR, UsageError, type Values } from './args.js';
import type { CliIo } from './io.js';

class NotRootError extends Error {
  override name = 'NotRootError';
}

const str = (v: string | boolean | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

function rootOf(values: Values, command: string): string {
  const root = str(values.root);
  if (root !== undefined) return resolve(root);
  if (process.getuid?.() !== 0) throw new NotRootError(`${command} changes /usr/local, /var/lib and /etc: run it as root (or with --root DIR to install under DIR)`);
  return '/';
}

export async function installCommand(values: Values, io: CliIo): Promise<number> {
  const installFile = str(values.install);
  if (installFile === undefined) throw new UsageError('install: --install FILE is required');
  // Only the executable's entry (sea/main.ts) says it is self-contained; `node main.js` is a checkout.
  const self = io.self ?? { execPath: process.execPath, selfContained: false };
  if (!self.selfContained) {
    io.stderr(
      'meshwork-agent: install copies the self-contained agent executable (dist/agent-packages/<platform>/meshwork-agent,\n' +
        'or the one the server serves), and this is a checkout running under node. Build it with `npm run build:agents`,\n' +
        `or run the agent from here: meshwork-agent run --state ${STATE_PATH} --install ${installFile}\n`,
    );
    return 1;
  }
  const root = rootOf(values, 'install');
  const { deviceId } = await installService({
    root,
    installFile: resolve(installFile),
    executable: self.execPath,
    version: PRODUCT_VERSION,
    start: values['no-start'] !== true,
    say: (line) => io.stdout(`${line}\n`),
  });
  io.stdout(`device id: ${deviceId}\n`);
  return 0;
}

export async function uninstallCommand(values: Values, io: CliIo): Promise<number> {
  const root = rootOf(values, 'uninstall');
  await uninstallService({ root, purge: values.purge === true, say: (line) => io.stdout(`${line}\n`) });
  return 0;
}

export async function updateGuardCommand(values: Values, io: CliIo): Promise<number> {
  const stateDir = resolve(str(values.state) ?? DEFAULT_STATE_DIR);
  const root = str(values.root);
  const layout = root !== undefined ? layoutAt(resolve(root)) : (layoutOfExecutable(io.self?.execPath ?? process.execPath)?.layout ?? layoutAt('/'));
  let r;
  try {
    r = await runGuard(layout, stateDir, Date.now(), (m) => io.stderr(`meshwork-agent: ${m}\n`));
  } catch (e) {
    // A guard that fails must not keep the service down: say why (the journal keeps it) and let it start.
    io.stderr(`meshwork-agent update-guard: could not check the update state: ${(e as Error).message}\n`);
    return 0;
  }
  if (r.action === 'trial') io.stderr(`meshwork-agent update-guard: starting version ${r.version} on trial (start ${r.attempt})\n`);
  if (r.action === 'rolled-back') io.stderr(`meshwork-agent update-guard: rolled back to ${r.from}: ${r.reason}\n`);
  return 0;
}
