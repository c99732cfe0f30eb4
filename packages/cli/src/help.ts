/** Help text, generated from the command table so it cannot drift from what is parsed. */
import { GLOBAL_OPTIONS } from './argv.js';
import type { AnyCommand, OptionSpec } from './spec.js';

function usageOf(c: AnyCommand): string {
  const opts = Object.keys(c.options).length > 0 && !c.passthrough ? ' [options]' : '';
  return `meshwork ${c.name}${c.args.length ? ' ' + c.args.join(' ') : ''}${opts}`;
}

function optionLines(specs: Record<string, OptionSpec>): string[] {
  const rows = Object.entries(specs).map(([name, o]) => [`${o.short ? `-${o.short}, ` : ''}--${name}${o.value ? ` ${o.value}` : ''}`, o.help] as const);
  const width = Math.max(...rows.map(([l]) => l.length));
  return rows.map(([l, h]) => `  ${l.padEnd(width)}  ${h}`);
}

function commandLines(commands: AnyCommand[]): string[] {
  const rows = commands.map((c) => [`${c.name}${c.args.length ? ' ' + c.args.join(' ') : ''}`, c.summary] as const);
  const width = Math.max(...rows.map(([l]) => l.length));
  return rows.map(([l, s]) => `  ${l.padEnd(width)}  ${s}`);
}

const GLOBAL_NOTE = [
  'Global options go before or after the command. Without --server the CLI opens the data dir directly.',
  'API token: --token T, else --token-file FILE, else MESHWORK_TOKEN (--token shows in the process list: prefer the others).',
].join('\n');

/** Help for '' (everything), an area ('group') or a command ('group add'). */
export function helpText(topic: string, commands: AnyCommand[]): string {
  const exact = commands.find((c) => c.name === topic);
  if (exact) {
    const lines = [`Usage: ${usageOf(exact)}`, '', exact.summary];
    if (Object.keys(exact.options).length > 0) lines.push('', exact.passthrough ? 'Server flags:' : 'Options:', ...optionLines(exact.options));
    if (exact.details) lines.push('', exact.details);
    if (!exact.passthrough) lines.push('', 'Global options:', ...optionLines(GLOBAL_OPTIONS));
    return lines.join('\n');
  }
  const inArea = commands.filter((c) => c.name.split(' ')[0] === topic);
  const shown = inArea.length > 0 ? inArea : commands;
  return [
    'meshwork — manage a Meshwork server: users, API tokens, device groups, devices, events',
    '',
    `Usage: meshwork ${inArea.length > 0 ? topic + ' ' : ''}<command> [arguments] [options]`,
    '',
    'Commands:',
    ...commandLines(shown),
    '',
    'Global options:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    GLOBAL_NOTE,
    'Run `meshwork <command> --help` for the options of one command.',
  ].join('\n');
}
