/**
 * The CLI's start-up bundle: `run.js` and everything it imports (our packages and the pure-JS npm
 * ones) in one CommonJS file, built by `scripts/bundle.mjs` after `tsc -b`, plus a V8 code cache
 * made by a warm-up run. Loading it skips the ESM loader's per-module resolve/read/link work and,
 * with the cache, nearly all compilation: a server restart costs about a third of the CPU time
 * (bench/server-start). main.ts uses it only while it is fresh — no package has been rebuilt
 * since — so `tsc -b` alone never runs stale code; without it the modules load from dist.
 * MESHWORK_NO_BUNDLE=1 turns it off.
 */
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants, Script } from 'node:vm';
import type * as Run from './run.js';

export const BUNDLE_DIR = fileURLToPath(new URL('./bundle/', import.meta.url));
export const BUNDLE_FILE = join(BUNDLE_DIR, 'cli.cjs');
export const CACHE_FILE = join(BUNDLE_DIR, 'cli.cjs.v8cache');
/** Written last by the bundler: `{ inputs: [build-info files, relative to BUNDLE_DIR] }`. */
export const MANIFEST_FILE = join(BUNDLE_DIR, 'manifest.json');

interface Manifest {
  inputs: string[];
}

/** The bundle's path when it exists and no input package has been rebuilt since; else null. */
export function freshBundle(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.MESHWORK_NO_BUNDLE === '1') return null;
  try {
    const built = statSync(BUNDLE_FILE).mtimeMs;
    const manifest = JSON.parse(readFileSync(MANIFEST_FILE, 'utf8')) as Manifest;
    for (const input of manifest.inputs) if (statSync(join(BUNDLE_DIR, input)).mtimeMs > built) return null;
    return BUNDLE_FILE;
  } catch {
    return null; // no bundle, or an input is gone: load from dist
  }
}

export interface LoadedBundle {
  exports: typeof Run;
  /** V8's code cache for everything compiled so far (what the bundler's warm-up saves). */
  createCache(): Buffer;
  /** True when a cache was given and V8 accepted it. */
  cacheUsed: boolean;
}

/** Compiles and runs the bundle as a CommonJS module, with the code cache when one is readable. */
export function loadBundle(file: string, cacheFile: string | null = CACHE_FILE): LoadedBundle {
  let cachedData: Buffer | undefined;
  try {
    if (cacheFile !== null) cachedData = readFileSync(cacheFile);
  } catch {
    // No cache (yet): compile from source.
  }
  // The file is `(function (exports, require, module, __filename, __dirname) {…})`: compiled as read.
  const script = new Script(readFileSync(file, 'utf8'), {
    filename: file,
    ...(cachedData ? { cachedData } : {}),
    // Dynamic import() of externals (argon2, …) goes through Node's own loader.
    importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const module = { exports: {} as typeof Run };
  const init = script.runInThisContext() as (e: object, r: NodeJS.Require, m: object, f: string, d: string) => void;
  init(module.exports, createRequire(file), module, file, dirname(file));
  return { exports: module.exports, createCache: () => script.createCachedData(), cacheUsed: cachedData !== undefined && !script.cachedDataRejected };
}
