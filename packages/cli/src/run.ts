/** Runs one command line: parse, connect, dispatch, print, and map every failure to an exit code. */
import { ApiClientError } from '@meshwork/client';
import { PRODUCT_VERSION } from '@meshwork/protocol';
import { ConfigError } from '@meshwork/server';
import { parseCommandLine } from './argv.js';
import { COMMANDS } from './commands/index.js';
import { connect } from './connect.js';
import { CliError, UsageError } from './errors.js';
import { helpText } from './help.js';
import { readPassword } from './password.js';
import type { Ctx } from './spec.js';

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
  readPassword(what: string): Promise<string>;
}

export const processIo: Io = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
  env: process.env,
  readPassword: (what) => readPassword(what),
};

/** Exit code, or 'running' when a server was started and the process must stay up. */
export async function run(argv: string[], io: Io = processIo): Promise<number | 'running'> {
  const line = (write: (t: string) => void) => (t: string) => write(t.endsWith('\n') ? t : t + '\n');
  const out = line(io.stdout);
  const err = line(io.stderr);
  try {
    const parsed = parseCommandLine(argv, COMMANDS);
    switch (parsed.kind) {
      case 'version':
        out(PRODUCT_VERSION);
        return 0;
      case 'help':
        if (parsed.error) err(`error: ${parsed.error} (usage)\n`);
        (parsed.exitCode === 0 ? out : err)(helpText(parsed.topic, COMMANDS));
        return parsed.exitCode;
      case 'passthrough':
        await parsed.spec.runRaw(parsed.args, parsed.globalArgs);
        return 'running';
      case 'command': {
        const conn = connect(parsed.globals, io.env, err);
        try {
          const ctx: Ctx = {
            client: conn.client,
            json: parsed.globals.json,
            print: (value, human) => (parsed.globals.json ? out(JSON.stringify(value, null, 2)) : out(human())),
            note: err,
            readPassword: io.readPassword,
            ...(conn.relaySocket ? { relaySocket: conn.relaySocket } : {}),
          };
          const code = await parsed.spec.run(ctx, parsed.input);
          return typeof code === 'number' ? code : 0;
        } finally {
          await conn.close();
        }
      }
    }
  } catch (e) {
    return report(e, err);
  }
}

function report(e: unknown, err: (t: string) => void): number {
  if (e instanceof UsageError) {
    err(`error: ${e.message} (usage)`);
    if (e.helpFor !== undefined) err(`Run 'meshwork ${e.helpFor ? e.helpFor + ' ' : ''}--help' for usage.`);
    return 2;
  }
  if (e instanceof ConfigError) {
    err(`error: ${e.message} (config)`);
    return 2;
  }
  if (e instanceof ApiClientError || e instanceof CliError) {
    err(`error: ${e.message} (${e.code})`);
    return 1;
  }
  const message = e instanceof Error ? e.message : String(e);
  err(`error: ${message} (internal)`);
  if (process.env.MESHWORK_DEBUG && e instanceof Error && e.stack) err(e.stack);
  return 1;
}
