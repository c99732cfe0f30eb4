#!/usr/bin/env node
// Pretest step: makes sure the system packages the tests use are installed (scripts/system-deps.json).
// As root it installs what is missing with apt-get; otherwise it fails naming the exact command.
// A test that needs a real part must fail when the part is missing — this step makes it present.
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const deps = JSON.parse(readFileSync(new URL('./system-deps.json', import.meta.url), 'utf8'));
const has = (bin) => spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
const missing = Object.entries(deps).filter(([, d]) => d.bins.some((b) => !has(b)));
if (missing.length === 0) process.exit(0);

const pkgs = [...new Set(missing.flatMap(([, d]) => d.apt))];
const cmd = `apt-get install -y --no-install-recommends ${pkgs.join(' ')}`;
console.error(`system packages missing for the tests: ${missing.map(([n, d]) => `${n} (${d.why})`).join(', ')}`);
if (process.getuid?.() !== 0) {
  console.error(`run as root: apt-get update && ${cmd}`);
  process.exit(1);
}
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
const sh = (c) => spawnSync('sh', ['-c', c], { stdio: 'inherit', env }).status === 0;
if (!sh(cmd) && !(sh('apt-get update') && sh(cmd))) {
  console.error(`could not install: ${cmd}`);
  process.exit(1);
}
const still = Object.entries(deps).filter(([, d]) => d.bins.some((b) => !has(b)));
if (still.length) {
  console.error(`still missing after install: ${still.map(([n]) => n).join(', ')}`);
  process.exit(1);
}
