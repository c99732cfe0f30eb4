/**
 * Command-line parsing for `meshwork-agent COMMAND [options]` with node:util parseArgs. Every
 * problem with the command line is a UsageError (exit code 2).
 */
import { parseArgs } from 'node:util';

export const DEFAULT_STATE_DIR = '/var/lib/meshwork-agent';

export class UsageError extends Error {
  override name = 'UsageError';
}

type OptionSpec = { type: 'string' | 'boolean'; value?: string; help: string; required?: boolean };

const STATE: OptionSpec = { type: 'string', value: 'DIR', help: `the agent's state dir (default ${DEFAULT_STATE_DIR})` };
const INSTALL: OptionSpec = { type: 'string', value: 'FILE', help: 'the group install file (needed on the first run; copied into the state dir)' };

const ROOT: OptionSpec = { type: 'string', value: 'DIR', help: 'install layout under DIR instead of / (tests, image builds; systemd is not asked)' };

export const COMMANDS = {
  run: {
    summary: 'run the agent: connect to the server and stay connected',
    options: {
      state: STATE,
      install: INSTALL,
      'key-provider': { type: 'string', value: 'tpm|file', help: 'where the identity key lives (default: the TPM if one answers, else a file)' },
      tpm: { type: 'string', value: 'TCTI', help: 'the TPM to use: device:/dev/tpmrm0 or swtpm:host=H,port=P (implies --key-provider tpm)' },
      'log-level': { type: 'string', value: 'L', help: 'error, warn, info (default) or debug; logs go to stderr' },
    },
  },
  'store-install': {
    summary: 'check an install file and copy it into the state dir, then exit (the file can then be deleted)',
    options: {
      state: STATE,
      install: INSTALL,
    },
  },
  status: {
    summary: 'print the identity, enrolment and connection state as JSON',
    options: { state: STATE },
  },
  'reset-identity': {
    summary: 'delete the identity (key file, certificate, record); refuses while the agent runs',
    options: { state: STATE },
  },
  install: {
    summary: 'install this executable as the systemd service meshwork-agent, start it, print the device id',
    options: {
      install: { ...INSTALL, required: true, help: 'the group install file (copied into the state dir as install.json)' },
      root: ROOT,
      'no-start': { type: 'boolean', help: 'install and enable the service, but do not start it' },
    },
  },
  uninstall: {
    summary: 'stop and remove the service and every installed version (the state dir stays unless --purge)',
    options: {
      purge: { type: 'boolean', help: 'also delete the state dir (identity and install file)' },
      root: ROOT,
    },
  },
  'update-guard': {
    summary: "the service's start guard: rolls a self-update back when the new version did not reach the server",
    options: { state: STATE, root: ROOT },
  },
} as const satisfies Record<string, { summary: string; options: Record<string, OptionSpec> }>;

export type CommandName = keyof typeof COMMANDS;
export type Values = Record<string, string | boolean | undefined>;

export type Parsed = { kind: 'help'; text: string } | { kind: 'version' } | { kind: 'command'; name: CommandName; values: Values };

const isCommand = (s: string): s is CommandName => Object.hasOwn(COMMANDS, s);

export function usage(): string {
  const lines = ['meshwork-agent — the Meshwork device agent', '', 'Usage:'];
  for (const [name, c] of Object.entries(COMMANDS)) {
    const opts = Object.entries(c.options as Record<string, OptionSpec>).map(([o, s]) => (o === 'state' || s.required ? `--${o} ${s.value ?? ''}`.trimEnd() : `[--${o}${s.value ? ` ${s.value}` : ''}]`));
    lines.push(`  meshwork-agent ${name} ${opts.join(' ')}`);
  }
  lines.push('  meshwork-agent help | --help | --version', '', 'Commands:');
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(16)}${c.summary}`);
  lines.push('', 'Options:');
  const seen = new Set<string>();
  for (const c of Object.values(COMMANDS)) {
    for (const [o, s] of Object.entries(c.options as Record<string, OptionSpec>)) {
      if (seen.has(o)) continue;
      seen.add(o);
      lines.push(`  --${`${o}${s.value ? ` ${s.value}` : ''}`.padEnd(22)}${s.help}`);
    }
  }
  lines.push('', 'Exit codes: 0 success, 1 error, 2 usage.');
  return lines.join('\n') + '\n';
}

export function parseCommandLine(argv: string[]): Parsed {
  const [first, ...rest] = argv;
  if (first === undefined || first === 'help' || first === '--help' || first === '-h') {
    if (first === undefined) throw new UsageError('no command given');
    return { kind: 'help', text: usage() };
  }
  if (first === '--version') return { kind: 'version' };
  if (!isCommand(first)) throw new UsageError(`unknown command "${first}"`);
  const spec = COMMANDS[first].options as Record<string, OptionSpec>;
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const [o, s] of Object.entries(spec)) options[o] = { type: s.type };
  let values: Values;
  let positionals: string[];
  try {
    const r = parseArgs({ args: rest, options, allowPositionals: true, strict: true });
    values = r.values;
    positionals = r.positionals;
  } catch (e) {
    const err = e as Error & { code?: string };
    const opt = /'(-[^' ]+)/.exec(err.message)?.[1];
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`${first}: unknown option ${opt ?? ''}`.trim());
    if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new UsageError(`${first}: ${opt ?? 'an option'} needs a value`);
    throw new UsageError(`${first}: ${err.message}`);
  }
  if (values.help === true) return { kind: 'help', text: usage() };
  if (positionals.length > 0) throw new UsageError(`${first}: unexpected argument "${positionals[0] ?? ''}"`);
  for (const [k, v] of Object.entries(values)) if (v === '') throw new UsageError(`${first}: --${k} needs a value`);
  return { kind: 'command', name: first, values };
}
