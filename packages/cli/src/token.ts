/**
 * The API token for remote mode, from one of three sources, first found wins:
 * `--token T` > `--token-file FILE` > `MESHWORK_TOKEN`. `--token` puts the token in the process
 * list (`ps`, /proc/PID/cmdline), where every local user can read it, so it draws a warning.
 * The file is read once; one trailing newline (LF or CRLF) is stripped. A file that group or
 * others may read or write is refused, as ssh refuses such a private key (`chmod 600 FILE`).
 */
import { readFileSync, statSync } from 'node:fs';
import { CliError, UsageError } from './errors.js';

export interface TokenSources {
  token?: string;
  tokenFile?: string;
}

export const TOKEN_ARGV_WARNING =
  'warning: --token puts the API token in the process list, where every local user can read it; use MESHWORK_TOKEN or --token-file FILE instead';

function readTokenFile(file: string): string {
  let mode: number;
  let text: string;
  try {
    mode = statSync(file).mode;
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read the token file ${file}: ${(e as Error).message}`);
  }
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new CliError('insecure_token_file', `the token file ${file} is accessible by group or others (mode ${(mode & 0o777).toString(8)}); run chmod 600 ${file}`);
  }
  const token = text.replace(/\r?\n$/, '');
  if (token === '' || /\s/.test(token)) throw new UsageError(`the token file ${file} must hold one token on one line`);
  return token;
}

/** The token to use, or undefined when no source gives one. */
export function resolveToken(g: TokenSources, env: NodeJS.ProcessEnv, warn: (line: string) => void): string | undefined {
  if (g.token !== undefined) {
    warn(TOKEN_ARGV_WARNING);
    return g.token;
  }
  if (g.tokenFile !== undefined) return readTokenFile(g.tokenFile);
  const fromEnv = env.MESHWORK_TOKEN;
  return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
}
