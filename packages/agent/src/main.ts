#!/usr/bin/env node
/** `meshwork-agent` entry point: wires the CLI to this process (streams, environment, signals). */
import { setFlagsFromString } from 'node:v8';

// Memory before speed: the agent mostly idles on one socket. Without V8's optimising compilers
// (TurboFan, Sparkplug) and with its small-heap policy, idle RSS is ~8 MB lower and a start costs no
// more CPU (docs/benchmarks.md). Set here, not in the shebang, so that `node main.js` gets them too;
// set before anything else is loaded, which is why the CLI is imported afterwards.
setFlagsFromString('--no-opt --no-sparkplug --optimize-for-size');
const { runCli } = await import('./cli/cli.js');

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
