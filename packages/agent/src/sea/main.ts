/**
 * The entry of the agent executable (a Node single-executable application): bundled with
 * everything it imports into one CommonJS script by scripts/build-agents.mjs. It does what
 * `src/main.ts` does — V8 flags first, then the CLI — without top-level await, which CommonJS lacks.
 */
import { setFlagsFromString } from 'node:v8';
import { processIo } from '../cli/process-io.js';

/** Set by the build (esbuild `define`): '' normally, 'exit-on-run' for the rollback tests. */
declare const MESHWORK_TEST_FAULT: string;

// Same flags and reason as src/main.ts: memory before speed for an agent that mostly idles.
setFlagsFromString('--no-opt --no-sparkplug --optimize-for-size');

const argv = process.argv.slice(2);
const fault = typeof MESHWORK_TEST_FAULT === 'string' ? MESHWORK_TEST_FAULT : '';

// The executable is the self-contained agent (install copies it; run updates it).
const io = processIo({ execPath: process.execPath, selfContained: true });

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
