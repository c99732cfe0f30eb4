#!/usr/bin/env node
/** The `meshwork` executable. Sets the exit code and lets the event loop drain (output is never cut off). */
import { run } from './run.js';

const result = await run(process.argv.slice(2));
if (result !== 'running') process.exitCode = result;
