#!/usr/bin/env node
/** `meshwork-agent` entry point: wires the CLI to this process (streams, environment, signals). */
import { setFlagsFromString } from 'node:v8';

// Memory before speed: the agent mostly idles on one socket. Without V8's optimising compilers
// (TurboFan, Sparkplug) and with its small-heap policy, idle RSS is ~8 MB lower and a start costs no
// more CPU (docs/benchmarks.md). Set here, not in the shebang, so that `node main.js` gets them too;
// set before anything else is loaded, which is why the CLI is imported afterwards.
setFlagsFromString('--no-opt --no-sparkplug --optimize-for-size');
const [{ runCli }, { processIo }] = await Promise.all([import('./cli/cli.js'), import('./cli/process-io.js')]);

process.exitCode = await runCli(process.argv.slice(2), processIo());
