/** CLI-side failures. Usage errors exit 2; everything else prints `error: <message> (<code>)` and exits 1. */
export class UsageError extends Error {
  constructor(message: string, readonly helpFor?: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failure found by the CLI itself (name lookups, password input, files), with a stable code. */
export class CliError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'CliError';
  }
}
