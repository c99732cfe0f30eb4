/**
 * node-pty inside the agent executable: the build replaces node-pty's `lib/utils.js` (whose
 * `loadNativeModule('pty')` looks for `build/Release/pty.node` next to the package) with a module
 * that calls `loadPtyModule` with the pty addon compiled for the executable's platform.
 */
import { DEFAULT_STATE_DIR } from '../cli/args.js';
import { loadEmbeddedAddon, nativeDirs, type EmbeddedAddon } from './native.js';

/** The state dir the command line names: `--state DIR` / `--state=DIR`, or the default for `run`. */
export function stateDirOf(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (a === '--state') return argv[i + 1];
    if (a.startsWith('--state=')) return a.slice('--state='.length);
  }
  return argv[0] === 'run' ? DEFAULT_STATE_DIR : undefined;
}

/** What node-pty's `loadNativeModule` returns: `dir` is only used on macOS (its spawn helper). */
export function loadPtyModule(addon: EmbeddedAddon): { dir: string; module: unknown } {
  return { dir: '.', module: loadEmbeddedAddon(addon, nativeDirs(stateDirOf(process.argv.slice(2)))) };
}
