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
import { Script } from 'node:vm';
import type * as Run from './run.js';

export const BUNDLE_DIR = fileURLToPath(new URL('./bundle/', import.meta.url));
/** The files of a bundle directory: the bundle, its V8 code cache, and the manifest written last. */
export const bundleFiles = (dir: string): { bundle: string; cache: string; manifest: string } => ({
  bundle: join(dir, 'cli.cjs'),
  cache: join(dir, 'cli.cjs.v8cache'),
  manifest: join(dir, 'manifest.json'),
});
export const { bundle: BUNDLE_FILE, cache: CACHE_FILE, manifest: MANIFEST_FILE } = bundleFiles(BUNDLE_DIR);

/** manifest.json: the files (relative to the bundle directory) whose change makes the bundle stale. */
interface Manifest {
  inputs: string[];
}

/** The bundle's path when it, its manifest and every input exist and no input is newer; else null. */
export function freshBundle(env: NodeJS.ProcessEnv = process.env, dir = BUNDLE_DIR): string | null {
  if (env.MESHWORK_NO_BUNDLE === '1') return null;
  const files = bundleFiles(dir);
  try {
    const built = statSync(files.bundle).mtimeMs;
    const manifest = JSON.parse(readFileSync(files.manifest, 'utf8')) as Manifest;
    for (const input of manifest.inputs) if (statSync(join(dir, input)).mtimeMs > built) return null;
    return files.bundle;
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
export function loadBundle(file: string, cacheFile: string | null = bundleFiles(dirname(file)).cache): LoadedBundle {
  let cachedData: Buffer | undefined;
  try {
    if (cacheFile !== null) cachedData = readFileSync(cacheFile);
  } catch {
    // No cache (yet): compile from source.
  }
  // The file is `(function (exports, require, module, __filename, __dirname) {…})`: compiled as read.
  // No importModuleDynamically: Node 20 drops it for a script that comes from a code cache, so the
  // bundler leaves no import() in the bundle (those of externals become require()).
  const script = new Script(readFileSync(file, 'utf8'), { filename: file, ...(cachedData ? { cachedData } : {}) });
  const module = { exports: {} as typeof Run };
  const init = script.runInThisContext() as (e: object, r: NodeJS.Require, m: object, f: string, d: string) => void;
  init(module.exports, createRequire(file), module, file, dirname(file));
  return { exports: module.exports, createCache: () => script.createCachedData(), cacheUsed: cachedData !== undefined && !script.cachedDataRejected };
}
