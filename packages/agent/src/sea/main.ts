/**
 * The entry of the agent executable (a Node single-executable application): bundled with
 * everything it imports into one CommonJS script by scripts/build-agents.mjs. It does what
 * `src/main.ts` does — V8 flags first, then the CLI — without top-level await, which CommonJS lacks.
 */
import { setFlagsFromString } from 'node:v8';
import type { CliIo } from '../cli/io.js';

/** Set by the build (esbuild `define`): '' normally, 'exit-on-run' for the rollback tests. */
declare const MESHWORK_TEST_FAULT: string;

// Same flags and reason as src/main.ts: memory before speed for an agent that mostly idles.
setFlagsFromString('--no-opt --no-sparkplug --optimize-for-size');

const argv = process.argv.slice(2);
const fault = typeof MESHWORK_TEST_FAULT === 'string' ? MESHWORK_TEST_FAULT : '';

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

const io: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  env: process.env,
  untilSignal,
};

if (fault === 'exit-on-run' && argv[0] === 'run') {
  process.stderr.write('meshwork-agent: this is a test build (--test-fault exit-on-run): `run` exits 70\n');
  process.exit(70);
}
void import('../cli/cli.js')
  .then(({ runCli }) => runCli(argv, io))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`meshwork-agent: ${(e as Error)?.stack ?? String(e)}\n`);
      process.exitCode = 1;
    },
  );
