#!/usr/bin/env node
// Import-direction lint: fails when a package imports against the intended layering.
//   protocol      → (nothing of ours); runtime-neutral: no node:* imports, no DOM
//   store         → (nothing of ours)
//   store-sqlite  → store
//   server        → protocol, store; store-sqlite only from the composition root (system-builder.ts)
//   client        → protocol; runtime-neutral (the web UI uses it): no node:* imports
//   cli           → client, protocol, server (only to start a server or open a data dir locally)
//   agent         → protocol (agent and server share only protocol)
//   web           → client, protocol; browser code: no node:* imports. It reaches the server only
//                   through the client package: no fetch/XMLHttpRequest/WebSocket outside
//                   src/lib/api.ts, and no innerHTML/dangerouslySetInnerHTML anywhere (agent
//                   strings are data, never markup).
// Also: no relative import may leave its package, and every @meshwork/* import must be a declared
// dependency. Test files (*.test.ts) may import more (test support), but never across the agent/server line.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { sourceFiles } from './source-files.mjs';
import { dirname, join, relative, resolve } from 'node:path';

const rootArg = process.argv.indexOf('--root');
const root = rootArg > 0 ? resolve(process.argv[rootArg + 1]) : resolve(new URL('..', import.meta.url).pathname);
const RULES = {
  protocol: { allow: [], neutral: true },
  store: { allow: [], neutralExcept: [/contract\.ts$/] },
  'store-sqlite': { allow: ['store'] },
  server: { allow: ['protocol', 'store', 'store-sqlite'], only: { 'store-sqlite': [/src\/system-builder\.ts$/] } },
  client: { allow: ['protocol'], neutral: true },
  cli: { allow: ['client', 'protocol', 'server'] },
  agent: { allow: ['protocol'] },
  web: { allow: ['client', 'protocol'], neutral: true },
};
const WEB_NETWORK = /\bfetch\s*\(|XMLHttpRequest|new\s+WebSocket\b|EventSource/;
const WEB_HTML = /dangerouslySetInnerHTML|\.innerHTML\b|\.outerHTML\b|insertAdjacentHTML|document\.write/;
const FORBIDDEN_IN_TESTS = { agent: ['server', 'store', 'store-sqlite'], server: ['agent', 'cli'] };

const IMPORT = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm;
const errors = [];

for (const pkg of readdirSync(join(root, 'packages'))) {
  const rule = RULES[pkg];
  const pkgDir = join(root, 'packages', pkg);
  if (!rule) {
    errors.push(`packages/${pkg}: no layering rule — add it to scripts/lint-imports.mjs`);
    continue;
  }
  const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const declared = new Set(Object.keys({ ...manifest.dependencies, ...manifest.devDependencies }));
  let srcDir;
  try { srcDir = join(pkgDir, 'src'); statSync(srcDir); } catch { continue; }
  for (const file of sourceFiles(srcDir)) {
    const rel = relative(root, file);
    const isTest = /\.test\.tsx?$/.test(file) || /test-support|testing\/|testkit\/|store\/src\/contract\.ts$/.test(rel);
    const text = readFileSync(file, 'utf8');
    if (pkg === 'web' && !isTest) {
      if (WEB_NETWORK.test(text) && !rel.endsWith('src/lib/api.ts')) errors.push(`${rel}: the web UI reaches the server only through @meshwork/client (src/lib/api.ts)`);
      if (WEB_HTML.test(text)) errors.push(`${rel}: no HTML injection APIs in the web UI; render text with React`);
    }
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? m[3];
      if (!spec) continue;
      const where = `${rel}: import '${spec}'`;
      if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec);
        if (!target.startsWith(pkgDir + '/')) errors.push(`${where} leaves packages/${pkg}; import the package by name`);
        else if (!isTest && /(^|\/)(testkit|testing)\//.test(spec)) errors.push(`${where}: production code may not import test support`);
        continue;
      }
      if (spec.startsWith('node:') || /^(fs|path|crypto|os|net|tls|http|https|child_process|util|stream|events)$/.test(spec)) {
        const exempt = isTest || (rule.neutralExcept ?? []).some((re) => re.test(rel));
        if ((rule.neutral || rule.neutralExcept) && !exempt) errors.push(`${where}: packages/${pkg} must stay runtime-neutral (no Node built-ins)`);
        continue;
      }
      const our = /^@meshwork\/([^/]+)/.exec(spec);
      if (!our) continue;
      const dep = our[1];
      if (isTest) {
        if ((FORBIDDEN_IN_TESTS[pkg] ?? []).includes(dep)) errors.push(`${where}: ${pkg} tests may not reach into ${dep}`);
        continue;
      }
      if (!rule.allow.includes(dep)) {
        errors.push(`${where}: packages/${pkg} may import only ${rule.allow.map((a) => '@meshwork/' + a).join(', ') || 'no @meshwork package'}`);
        continue;
      }
      const only = rule.only?.[dep];
      if (only && !only.some((re) => re.test(rel))) errors.push(`${where}: only ${only.join(' ')} may import @meshwork/${dep}`);
      if (!declared.has(`@meshwork/${dep}`)) errors.push(`${where}: @meshwork/${dep} is not declared in packages/${pkg}/package.json`);
    }
  }
}

if (errors.length) {
  console.error(`import lint: ${errors.length} violation(s)`);
  for (const e of errors) console.error('  ' + e);
  process.exit(1);
}
console.log('import lint: ok');
