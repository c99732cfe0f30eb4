/** The shape of a command in the CLI's dispatch table, and what a command runs with. */
import type { Client, RelaySocketFactory } from '@meshwork/client';
import { UsageError } from './errors.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** Placeholder shown in help for string options, e.g. `N`. */
  value?: string;
  short?: string;
  help: string;
  /** A string option that may be given several times (its value is then a list). */
  multiple?: boolean;
}

export type Values = Record<string, string | boolean | string[] | undefined>;

export interface Input {
  positionals: string[];
  values: Values;
}

/** What a command runs with: a connected client and output helpers honouring `--json`. */
export interface Ctx {
  client: Client;
  json: boolean;
  /** Prints `value` as JSON with --json, else the human text. */
  print(value: unknown, human: () => string): void;
  /** Informational line on stderr (never part of machine output). */
  note(line: string): void;
  readPassword(what: string): Promise<string>;
  /** Opens relay sockets (remote mode only; undefined with --data). */
  relaySocket?: RelaySocketFactory;
}

interface SpecBase {
  /** `area action` or one word, e.g. `user add`, `events`. */
  name: string;
  /** Positional placeholders; optional ones in brackets, e.g. ['NAME'] or ['[GROUP]']. */
  args: string[];
  summary: string;
  /** Extra help text after the options. */
  details?: string;
  options: Record<string, OptionSpec>;
}

/** A command run against the API through a connected client. */
export interface CommandSpec extends SpecBase {
  passthrough?: false;
  /** A number is the exit code (e.g. `shell` exits with the remote shell's code); default 0. */
  run(ctx: Ctx, input: Input): Promise<void | number>;
}

/** A command that takes the rest of the command line as it is (`server start …`). */
export interface PassthroughSpec extends SpecBase {
  passthrough: true;
  /** `globalArgs`: global options given before the command that it should honour (e.g. `--data D`). */
  runRaw(args: string[], globalArgs: string[]): Promise<void>;
}

export type AnyCommand = CommandSpec | PassthroughSpec;

/** A required positional (the dispatcher has already checked the count). */
export function pos(input: Input, i: number): string {
  const v = input.positionals[i];
  if (v === undefined) throw new Error(`positional ${i} missing after the count check`);
  return v;
}

export function str(input: Input, name: string): string | undefined {
  const v = input.values[name];
  return typeof v === 'string' ? v : undefined;
}

/** Every value of a `multiple` option, in order (empty when absent). */
export function strs(input: Input, name: string): string[] {
  const v = input.values[name];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}

export function flag(input: Input, name: string): boolean {
  return input.values[name] === true;
}

/** A whole-number option within bounds; a bad value is a usage error. */
export function intOption(input: Input, name: string, min: number, max: number, command: string): number | undefined {
  const raw = str(input, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${raw}"`, command);
  }
  return n;
}
