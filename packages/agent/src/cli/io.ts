/** Where a CLI command writes and what it reads from its environment (the process, or a test). */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
  /** Resolves on the first SIGTERM/SIGINT (the `run` command stops then). */
  untilSignal(): Promise<string>;
  /**
   * This program's executable and whether it is the self-contained one (install copies it; run
   * updates it). The executable's entry (sea/main.ts) sets it; absent: a checkout run by node. Tests pass a fake executable.
   */
  self?: { execPath: string; selfContained: boolean };
}
