#!/usr/bin/env node
// The root package's `meshwork` bin: forwards to the CLI package.
import '../packages/cli/dist/main.js';
