#!/usr/bin/env node
/**
 * The `meshwork` executable. Loads the CLI from its start-up bundle while that is fresh (bundle.ts),
 * else from dist; sets the exit code and lets the event loop drain (output is never cut off).
 */
import { freshBundle, loadBundle } from './bundle.js';

const bundle = freshBundle();
const { run } = bundle !== null ? loadBundle(bundle).exports : await import('./run.js');
const result = await run(process.argv.slice(2));
if (result !== 'running') process.exitCode = result;
