/** The logger the agent's parts write to. The CLI prints it to stderr; tests keep it quiet. */

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFields = Record<string, string | number | boolean | null | undefined>;

export type Logger = Record<LogLevel, (message: string, fields?: LogFields) => void>;

const nothing = (): void => undefined;
export const silentLogger: Logger = { error: nothing, warn: nothing, info: nothing, debug: nothing };
