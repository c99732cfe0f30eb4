/** The CLI's io for this process: its streams, its environment, its SIGTERM/SIGINT. */
import type { CliIo } from './io.js';

const untilSignal = (): Promise<string> =>
  new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
      // A second signal while stopping: give up waiting.
      process.once(signal, () => process.exit(1));
      resolve(signal);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });

export function processIo(self?: CliIo['self']): CliIo {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
    untilSignal,
    ...(self ? { self } : {}),
  };
}
