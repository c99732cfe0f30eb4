/** Where a CLI command writes and what it reads from its environment (the process, or a test). */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
  /** Resolves on the first SIGTERM/SIGINT (the `run` command stops then). */
  untilSignal(): Promise<string>;
}
