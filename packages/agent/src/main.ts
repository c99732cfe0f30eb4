#!/usr/bin/env node
/** `meshwork-agent` entry point: wires the CLI to this process (streams, environment, signals). */
import { runCli } from './cli/cli.js';

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

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  env: process.env,
  untilSignal,
});
