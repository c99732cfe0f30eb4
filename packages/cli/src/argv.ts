/**
 * Command-line parsing: finds the command (one or two words) among global options, then parses
 * the rest with node:util parseArgs against the global options plus the command's own. Global
 * options are accepted before or after the command.
 */
import { parseArgs } from 'node:util';
import { UsageError } from './errors.js';
import type { GlobalOptions } from './connect.js';
import type { AnyCommand, Input, OptionSpec, Values } from './spec.js';

export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  data: { type: 'string', value: 'DIR', help: 'work on a data dir directly, as the local administrator (default: MESHWORK_DATA or ./data)' },
  server: { type: 'string', value: 'URL', help: 'talk to a running server instead (or MESHWORK_SERVER)' },
  token: { type: 'string', value: 'T', help: 'API token for --server; visible in the process list (warns): prefer MESHWORK_TOKEN or --token-file' },
  'token-file': { type: 'string', value: 'FILE', help: 'read the API token from FILE (mode 0600; one trailing newline stripped)' },
  ca: { type: 'string', value: 'FILE', help: "trust this CA (PEM) for the server's certificate (default with --data: DATA/tls/ca.crt)" },
  insecure: { type: 'boolean', help: 'do not verify the server certificate (prints a warning)' },
  json: { type: 'boolean', help: 'machine-readable output: the API JSON' },
  help: { type: 'boolean', short: 'h', help: 'show help' },
  version: { type: 'boolean', help: 'print the version' },
};

export type Parsed =
  | { kind: 'help'; topic: string; exitCode: 0 | 2; error?: string }
  | { kind: 'version' }
  | { kind: 'passthrough'; spec: AnyCommand & { passthrough: true }; args: string[]; globalArgs: string[] }
  | { kind: 'command'; spec: AnyCommand & { passthrough?: false }; globals: GlobalOptions; input: Input };

type ParseArgsOptions = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

function toParseArgs(specs: Record<string, OptionSpec>): ParseArgsOptions {
  const out: ParseArgsOptions = {};
  for (const [name, o] of Object.entries(specs)) out[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  return out;
}

/** `--name`, `--name=v` or `-h` → the global option's name and whether the value is inline. */
function globalOption(token: string): { name: string; inline: boolean } | null {
  if (token === '-h') return { name: 'help', inline: false };
  const m = /^--([^=]+)(=.*)?$/.exec(token);
  if (!m?.[1] || !(m[1] in GLOBAL_OPTIONS)) return null;
  return { name: m[1], inline: m[2] !== undefined };
}

function runParseArgs(args: string[], options: ParseArgsOptions, command: string): { values: Values; positionals: string[] } {
  try {
    const r = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: r.values as Values, positionals: r.positionals };
  } catch (e) {
    throw usageFromParseArgs(e, command) ?? e;
  }
}

/** node:util parseArgs errors, reworded as short usage errors; null for any other error. */
export function usageFromParseArgs(e: unknown, command: string): UsageError | null {
  const err = e as Error & { code?: unknown };
  if (typeof err.code !== 'string' || !err.code.startsWith('ERR_PARSE_ARGS')) return null;
  const opt = /'(-[^' ]+)/.exec(err.message)?.[1];
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new UsageError(`unknown option ${opt ?? err.message}`, command);
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return new UsageError(opt ? `${opt} needs a value` : err.message, command);
  return new UsageError(err.message, command);
}

function globalsFrom(v: Values): GlobalOptions {
  const s = (k: string): string | undefined => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  const g: GlobalOptions = { insecure: v.insecure === true, json: v.json === true };
  for (const k of ['data', 'server', 'token', 'ca'] as const) {
    const val = s(k);
    if (val !== undefined) g[k] = val;
  }
  const tokenFile = s('token-file');
  if (tokenFile !== undefined) g.tokenFile = tokenFile;
  return g;
}

export function parseCommandLine(argv: string[], commands: AnyCommand[]): Parsed {
  const byName = new Map(commands.map((c) => [c.name, c]));
  const areas = new Set(commands.map((c) => c.name.split(' ')[0] as string));
  const pre: string[] = [];
  const words: string[] = [];
  let help = false;
  let i = 0;
  let spec: AnyCommand | undefined;
  while (i < argv.length && !spec) {
    const t = argv[i] as string;
    i++;
    if (t.startsWith('-') && t !== '-') {
      const g = globalOption(t);
      if (!g) throw new UsageError(`unknown option ${t} before the command`, words.join(' '));
      if (g.name === 'help') help = true;
      if (g.name === 'version' && words.length === 0) return { kind: 'version' };
      pre.push(t);
      if (GLOBAL_OPTIONS[g.name]?.type === 'string' && !g.inline) {
        if (i >= argv.length) throw new UsageError(`${t} needs a value`, words.join(' '));
        pre.push(argv[i] as string);
        i++;
      }
      continue;
    }
    if (words.length === 0 && t === 'help') return { kind: 'help', topic: argv.slice(i).filter((w) => !w.startsWith('-')).slice(0, 2).join(' '), exitCode: 0 };
    words.push(t);
    const name = words.join(' ');
    spec = byName.get(name);
    if (spec) break;
    if (words.length === 1 && !areas.has(t)) throw new UsageError(`unknown command "${t}"`, '');
    if (words.length === 2) throw new UsageError(`unknown command "${name}"`, words[0]);
  }
  if (!spec) {
    const topic = words.join(' ');
    return help ? { kind: 'help', topic, exitCode: 0 } : { kind: 'help', topic, exitCode: 2, error: topic ? `"${topic}" needs a subcommand` : 'no command given' };
  }
  const rest = argv.slice(i);
  if (spec.passthrough) {
    if (help || rest.includes('--help') || rest.includes('-h')) return { kind: 'help', topic: spec.name, exitCode: 0 };
    return { kind: 'passthrough', spec, args: rest, globalArgs: pre };
  }
  return parseCommand(spec, pre, rest, help);
}

function parseCommand(spec: AnyCommand & { passthrough?: false }, pre: string[], rest: string[], help: boolean): Parsed {
  // A command option may shadow a global one (`group install-file --token` is a flag); the global
  // is still reachable before the command or as `--name=value` after it.
  const shadowed = Object.keys(spec.options).filter((k) => k in GLOBAL_OPTIONS);
  const inlineGlobals: string[] = [];
  const own: string[] = [];
  for (const t of rest) {
    const name = /^--([^=]+)=/.exec(t)?.[1];
    if (name !== undefined && shadowed.includes(name) && spec.options[name]?.type === 'boolean') inlineGlobals.push(t);
    else own.push(t);
  }
  const before = runParseArgs([...pre, ...inlineGlobals], toParseArgs(GLOBAL_OPTIONS), spec.name);
  const after = runParseArgs(own, toParseArgs({ ...GLOBAL_OPTIONS, ...spec.options }), spec.name);
  const globalsAfter: Values = {};
  for (const [k, v] of Object.entries(after.values)) if (!shadowed.includes(k)) globalsAfter[k] = v;
  const globals = globalsFrom({ ...before.values, ...globalsAfter });
  if (help || after.values.help === true) return { kind: 'help', topic: spec.name, exitCode: 0 };
  const required = spec.args.filter((a) => !a.startsWith('[')).length;
  const positionals = after.positionals;
  if (positionals.length < required) throw new UsageError(`${spec.name} needs ${spec.args.slice(positionals.length, required).join(' ')}`, spec.name);
  // A last placeholder ending in `…` (e.g. `[COMMAND…]`) takes every remaining argument.
  const variadic = spec.args.at(-1)?.replace(/\]$/, '').endsWith('…') === true;
  if (!variadic && positionals.length > spec.args.length) throw new UsageError(`unexpected argument "${positionals[spec.args.length] ?? ''}"`, spec.name);
  return { kind: 'command', spec, globals, input: { positionals, values: after.values } };
}
