/** The CLI's logger: one line per event on stderr, `TIME LEVEL message {"field":…}`. */
import { LOG_LEVELS, type LogFields, type Logger, type LogLevel } from '../connection/log.js';

export function isLogLevel(s: string): s is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(s);
}

export function createLogger(level: LogLevel, write: (line: string) => void): Logger {
  const max = LOG_LEVELS.indexOf(level);
  const make = (l: LogLevel) => (message: string, fields?: LogFields) => {
    if (LOG_LEVELS.indexOf(l) > max) return;
    const f = fields && Object.values(fields).some((v) => v !== undefined) ? ` ${JSON.stringify(fields)}` : '';
    write(`${new Date().toISOString()} ${l} ${message}${f}\n`);
  };
  return { error: make('error'), warn: make('warn'), info: make('info'), debug: make('debug') };
}
