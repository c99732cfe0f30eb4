// The import-direction lint must pass on the tree and fail on each kind of violation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '..', '..');
const lint = join(repo, 'scripts', 'lint-imports.mjs');
const PKGS = ['protocol', 'store', 'store-sqlite', 'server', 'client', 'cli', 'agent'];

function fakeTree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mw-lint-'));
  for (const p of PKGS) {
    mkdirSync(join(dir, 'packages', p, 'src'), { recursive: true });
    const deps = Object.fromEntries(PKGS.map((d) => [`@meshwork/${d}`, '0.1.0']));
    writeFileSync(join(dir, 'packages', p, 'package.json'), JSON.stringify({ name: `@meshwork/${p}`, dependencies: deps }));
  }
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  return dir;
}
const run = (root?: string) => spawnSync(process.execPath, [lint, ...(root ? ['--root', root] : [])], { encoding: 'utf8' });

test('the repository passes the import lint', () => {
  const r = run();
  assert.equal(r.status, 0, r.stderr);
});

const violations: Record<string, Record<string, string>> = {
  'agent imports server': { 'packages/agent/src/a.ts': "import { x } from '@meshwork/server';\n" },
  'protocol imports node built-in': { 'packages/protocol/src/a.ts': "import { createHash } from 'node:crypto';\n" },
  'client imports node built-in': { 'packages/client/src/a.ts': "import fs from 'node:fs';\n" },
  'cli imports store': { 'packages/cli/src/a.ts': "import type { Store } from '@meshwork/store';\n" },
  'server handler picks the concrete store': { 'packages/server/src/h.ts': "import { openSqliteStore } from '@meshwork/store-sqlite';\n" },
  'relative import leaves the package': { 'packages/client/src/a.ts': "import { x } from '../../server/src/main.js';\n" },
  'dynamic import against the direction': { 'packages/agent/src/a.ts': "const m = await import('@meshwork/store');\n" },
};
for (const [name, files] of Object.entries(violations)) {
  test(`the lint fails when ${name}`, () => {
    const r = run(fakeTree(files));
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /violation/);
  });
}

test('the lint allows the intended directions', () => {
  const r = run(fakeTree({
    'packages/cli/src/a.ts': "import { createClient } from '@meshwork/client';\n",
    'packages/server/src/system-builder.ts': "import { openSqliteStore } from '@meshwork/store-sqlite';\n",
    'packages/agent/src/a.ts': "import { z } from '@meshwork/protocol';\nimport { readFileSync } from 'node:fs';\n",
  }));
  assert.equal(r.status, 0, r.stderr);
});
