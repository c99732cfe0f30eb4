#!/usr/bin/env node
// Copies the current build (packages/*/package.json + dist, with the CLI's start-up bundle, and
// timestamps kept so the bundle stays fresh) to DIR, with a node_modules that links our packages to
// the copy and everything else to this checkout's node_modules — so a build can be A/B-tested
// against later ones with ab.mjs:
//   node bench/server-start/snapshot.mjs /tmp/mw-before
//   node bench/server-start/ab.mjs before=/tmp/mw-before/packages/cli/dist/main.js after=packages/cli/dist/main.js
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '..', '..');
const out = process.argv[2] && resolve(process.argv[2]);
if (!out) throw new Error('usage: snapshot.mjs DIR');
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'node_modules', '@meshwork'), { recursive: true });
cpSync(join(repo, 'package.json'), join(out, 'package.json'));
for (const pkg of readdirSync(join(repo, 'packages'))) {
  const from = join(repo, 'packages', pkg);
  if (!existsSync(join(from, 'dist'))) continue;
  cpSync(join(from, 'package.json'), join(out, 'packages', pkg, 'package.json'));
  cpSync(join(from, 'dist'), join(out, 'packages', pkg, 'dist'), { recursive: true, preserveTimestamps: true, filter: (src) => !/\.(map|d\.ts)$|\.test\.js$/.test(src) });
  symlinkSync(join(out, 'packages', pkg), join(out, 'node_modules', '@meshwork', pkg));
}
for (const dep of readdirSync(join(repo, 'node_modules'))) {
  if (dep !== '@meshwork') symlinkSync(join(repo, 'node_modules', dep), join(out, 'node_modules', dep));
}
console.log(`snapshot of ${repo} in ${out}`);
