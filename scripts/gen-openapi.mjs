#!/usr/bin/env node
// Writes the generated API documents: docs/openapi.json (from the API table) and docs/errors.md
// (from the error catalogue). Needs a build first (`npm run gen:openapi` does both). The test
// packages/server/src/openapi/generate.test.ts fails when the checked-in files are out of date.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const { renderOpenApi } = await import(join(root, 'packages/server/dist/openapi/generate.js'));
const { renderErrorsDoc } = await import(join(root, 'packages/server/dist/openapi/errors-doc.js'));
mkdirSync(join(root, 'docs'), { recursive: true });
writeFileSync(join(root, 'docs/openapi.json'), renderOpenApi());
writeFileSync(join(root, 'docs/errors.md'), renderErrorsDoc());
console.log('wrote docs/openapi.json and docs/errors.md');
