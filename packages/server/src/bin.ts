#!/usr/bin/env node
/** The server process entry: `node dist/bin.js [--port P] [--data D] ...` (what `meshwork server start` runs). */
import { serverMain } from './main.js';

void serverMain(process.argv.slice(2));
