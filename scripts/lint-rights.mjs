#!/usr/bin/env node
// Rights lint: every rights decision lives in packages/server/src/authz/ (design.md §7), on top of
// the one rights definition, packages/protocol/src/rights.ts. Elsewhere, production code may name
// rights (`can(mask, 'terminal')`, groupRightsToNames, …) and ask sys.authz, but not do rights-bit
// arithmetic itself:
//   - no SITE_RIGHTS.x / GROUP_RIGHTS.x (or [x]): a bit test or a grant outside authz/;
//   - no `&` on a value named …rights / …Rights / …mask / …Mask (a bit test by hand);
//   - no comparison with GROUP_FULL (assigning full rights to a group's creator is fine).
// Test files and test support may build masks freely. The allow list below is for *assigning* a
// right where an account is born; it names file and pattern, and should only ever shrink.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { sourceFiles } from './source-files.mjs';
import { join, relative, resolve } from 'node:path';

const rootArg = process.argv.indexOf('--root');
const root = rootArg > 0 ? resolve(process.argv[rootArg + 1]) : resolve(new URL('..', import.meta.url).pathname);

const HOME = [/^packages\/protocol\/src\/rights\.ts$/, /^packages\/server\/src\/authz\//];
const ALLOW = {
  // The first administrator, created through the setup link.
  'packages/server/src/http/handlers/setup.ts': /siteRights:\s*SITE_RIGHTS\.admin\b/g,
  // The CLI's local administrator (filesystem access to the data dir is the trust).
  'packages/server/src/local.ts': /siteRights:\s*SITE_RIGHTS\.admin\b/g,
};
const RULES = [
  [/\b(?:SITE_RIGHTS|GROUP_RIGHTS)\s*(?:\.|\[|\?\.)/, 'names a rights bit'],
  [/\b\w*(?:[Rr]ights|[Mm]ask)\b(?:\s*\))?\s*&(?![&=])|(?<![&])&(?![&=])\s*~?\s*\(?\s*[\w.]*(?:[Rr]ights|[Mm]ask)\b(?!\s*\()/, 'tests rights bits with &'],
  [/[=!]==?\s*GROUP_FULL\b|\bGROUP_FULL\s*[=!]==?/, 'compares with GROUP_FULL'],
];

/** The code without comments (line numbers kept), so prose may mention rights. */
const code = (text) => text.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')).replace(/(^|[^:'"`])\/\/.*$/gm, '$1');

const errors = [];
for (const pkg of readdirSync(join(root, 'packages'))) {
  const src = join(root, 'packages', pkg, 'src');
  try { statSync(src); } catch { continue; }
  for (const file of sourceFiles(src)) {
    const rel = relative(root, file);
    if (HOME.some((re) => re.test(rel))) continue;
    if (/\.test\.tsx?$/.test(rel) || /(^|\/)(testing|testkit|test-support)\//.test(rel)) continue;
    const allowed = ALLOW[rel];
    const lines = code(readFileSync(file, 'utf8')).split('\n');
    lines.forEach((raw, i) => {
      const line = allowed ? raw.replace(allowed, '') : raw;
      for (const [re, what] of RULES) if (re.test(line)) errors.push(`${rel}:${i + 1}: ${what} — rights decisions belong in packages/server/src/authz/: ${raw.trim()}`);
    });
  }
}

if (errors.length > 0) {
  for (const e of errors) console.error(`rights violation: ${e}`);
  process.exit(1);
}
console.log('rights lint: ok');
