/**
 * Runs one command line: parse, connect, dispatch, print, and map every failure to an exit code.
 * A `server start` line is recognised against that command's spec alone, so starting a server
 * loads neither the other commands nor the API client (they are imported when needed).
 */
import { PRODUCT_VERSION } from '@meshwork/protocol';
import { ConfigError } from '@meshwork/server';
import { parseCommandLine, type Parsed } from './argv.js';
import { serverCommands } from './commands/server.js';
import { CliError, UsageError } from './errors.js';
import { jsonText } from './output/printable.js';
import { lineWriter, processText } from './output/streams.js';
import type { AnyCommand, Ctx } from './spec.js';

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
  readPassword(what: string): Promise<string>;
}

export const processIo: Io = {
  ...processText,
  env: process.env,
  readPassword: async (what) => (await import('./password.js')).readPassword(what),
};

const allCommands = async (): Promise<AnyCommand[]> => (await import('./commands/index.js')).COMMANDS;

/** `server start …` against its own spec (nothing more to load); anything else against every command. */
async function parse(argv: string[]): Promise<Parsed> {
  try {
    const parsed = parseCommandLine(argv, serverCommands);
    if (parsed.kind === 'passthrough') return parsed;
  } catch {
    // Not `server start`: parsed again against every command, for the right error or help.
  }
  return parseCommandLine(argv, await allCommands());
}

/** Exit code, or 'running' when a server was started and the process must stay up. */
export async function run(argv: string[], io: Io = processIo): Promise<number | 'running'> {
  // Everything printed passes the printable filter (output/printable.ts): server and device strings
  // never reach the terminal raw. Commands print only through ctx.print / ctx.note.
  const out = lineWriter(io.stdout);
  const err = lineWriter(io.stderr);
  try {
    const parsed = await parse(argv);
    switch (parsed.kind) {
      case 'version':
        out(PRODUCT_VERSION);
        return 0;
      case 'help': {
        if (parsed.error) err(`error: ${parsed.error} (usage)\n`);
        const { helpText } = await import('./help.js');
        (parsed.exitCode === 0 ? out : err)(helpText(parsed.topic, await allCommands()));
        return parsed.exitCode;
      }
      case 'passthrough':
        await parsed.spec.runRaw(parsed.args, parsed.globalArgs);
        return 'running';
      case 'command': {
        const { connect } = await import('./connect.js');
        const conn = connect(parsed.globals, io.env, err);
        try {
          const ctx: Ctx = {
            client: conn.client,
            json: parsed.globals.json,
            print: (value, human) => out(parsed.globals.json ? jsonText(value) : human()),
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

async function report(e: unknown, err: (t: string) => void): Promise<number> {
  if (e instanceof UsageError) {
    err(`error: ${e.message} (usage)`);
    if (e.helpFor !== undefined) err(`Run 'meshwork ${e.helpFor ? e.helpFor + ' ' : ''}--help' for usage.`);
    return 2;
  }
  if (e instanceof ConfigError) {
    err(`error: ${e.message} (config)`);
    return 2;
  }
  const { ApiClientError } = await import('@meshwork/client');
  if (e instanceof ApiClientError || e instanceof CliError) {
    err(`error: ${e.message} (${e.code})`);
    return 1;
  }
  const message = e instanceof Error ? e.message : String(e);
  err(`error: ${message} (internal)`);
  if (process.env.MESHWORK_DEBUG && e instanceof Error && e.stack) err(e.stack);
  return 1;
}
