/** `meshwork-agent`: parses the command line, runs one command, maps errors to exit codes 1 and 2. */
import { PRODUCT_VERSION } from '@meshwork/protocol';
import { parseCommandLine, UsageError, type CommandName, type Values } from './args.js';
import type { CliIo } from './io.js';
import { runCommand } from './run-command.js';
import { resetIdentityCommand, statusCommand } from './status-command.js';

const HANDLERS: Record<CommandName, (values: Values, io: CliIo) => Promise<number>> = {
  run: runCommand,
  status: statusCommand,
  'reset-identity': resetIdentityCommand,
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
    const err = e as Error;
    io.stderr(`meshwork-agent: error: ${err.message}\n`);
    if (!(err instanceof Error) || !/Error$/.test(err.name) || err.name === 'Error' || err.name === 'TypeError') {
      io.stderr(`${err.stack ?? ''}\n`);
    }
    return 1;
  }
}
