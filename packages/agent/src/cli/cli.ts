/** `meshwork-agent`: parses the command line, runs one command, maps errors to exit codes 1 and 2. */
import { PRODUCT_VERSION } from '@meshwork/protocol/version';
import { parseCommandLine, UsageError, type CommandName, type Values } from './args.js';
import type { CliIo } from './io.js';

// Each command's code is loaded when it runs: `status` does not load the connection, ws or the
// inventory, and `run` does not keep the status reader's code in memory.
const HANDLERS: Record<CommandName, (values: Values, io: CliIo) => Promise<number>> = {
  run: async (values, io) => (await import('./run-command.js')).runCommand(values, io),
  'store-install': async (values, io) => (await import('./store-install-command.js')).storeInstallCommand(values, io),
  status: async (values, io) => (await import('./status-command.js')).statusCommand(values, io),
  'reset-identity': async (values, io) => (await import('./status-command.js')).resetIdentityCommand(values, io),
  install: async (values, io) => (await import('./service-commands.js')).installCommand(values, io),
  uninstall: async (values, io) => (await import('./service-commands.js')).uninstallCommand(values, io),
  'update-guard': async (values, io) => (await import('./service-commands.js')).updateGuardCommand(values, io),
};

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    const parsed = parseCommandLine(argv);
    if (parsed.kind === 'help') {
      io.stdout(parsed.text);
      return 0;
    }
    if (parsed.kind === 'version') {
      io.stdout(`${PRODUCT_VERSION}\n`);
      return 0;
    }
    return await HANDLERS[parsed.name](parsed.values, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`meshwork-agent: ${e.message}\nRun \`meshwork-agent --help\` for usage.\n`);
      return 2;
    }
    const err = e as Error & { code?: unknown };
    io.stderr(`meshwork-agent: error: ${err.message}\n`);
    // Our own errors and system errors (EACCES, ENOENT…) say enough; anything else is a bug: show where.
    const known = err instanceof Error && (typeof err.code === 'string' || (err.name !== 'Error' && err.name.endsWith('Error') && !/^(Type|Range|Reference|Syntax)Error$/.test(err.name)));
    if (!known) io.stderr(`${err instanceof Error ? err.stack ?? '' : String(e)}\n`);
    return 1;
  }
}
