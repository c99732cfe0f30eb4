// The rights lint must pass on the tree and fail on rights-bit arithmetic outside authz/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '..', '..');
const lint = join(repo, 'scripts', 'lint-rights.mjs');

function fakeTree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mw-lint-rights-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}
const run = (root?: string) => spawnSync(process.execPath, [lint, ...(root ? ['--root', root] : [])], { encoding: 'utf8' });

test('the repository passes the rights lint', () => {
  const r = run();
  assert.equal(r.status, 0, r.stderr);
});

const violations: Record<string, string> = {
  'a handler tests a site-rights bit': "if ((p.user.siteRights & SITE_RIGHTS.noNewGroups) !== 0) throw new ApiError('forbidden');\n",
  'a handler tests a group bit by name lookup': "const ok = (mask & GROUP_RIGHTS['runCommands']) !== 0;\n",
  'a guard masks rights by hand': 'if ((mask & ~p.user.siteRights) !== 0) throw new Error();\n',
  'a link check reads l.rights bits': 'links.some((l) => (l.rights & 2) !== 0);\n',
  'a grant rule compares with GROUP_FULL': 'if (granterMask >>> 0 === GROUP_FULL) return;\n',
  'an admin is recognised by its bit': "export const isAdmin = (u) => (u.siteRights & SITE_RIGHTS.admin) !== 0;\n",
};
for (const [name, text] of Object.entries(violations)) {
  test(`the rights lint fails when ${name}`, () => {
    const r = run(fakeTree({ 'packages/server/src/http/handlers/x.ts': text }));
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /rights violation: packages\/server\/src\/http\/handlers\/x\.ts:1/);
  });
}

test('the rights lint allows authz/, the rights definition, tests, prose and the listed assignments', () => {
  const bitTest = 'export const locked = (u) => (u.siteRights & SITE_RIGHTS.locked) !== 0;\n';
  const r = run(fakeTree({
    'packages/server/src/authz/site.ts': bitTest,
    'packages/protocol/src/rights.ts': 'const has = (mask, bit) => (mask & bit) !== 0;\nGROUP_RIGHTS.noTerminal;\n',
    'packages/server/src/http/handlers/x.test.ts': bitTest,
    'packages/server/src/domain/testkit/system.ts': bitTest,
    'packages/server/src/http/handlers/setup.ts': 'const user = { siteRights: SITE_RIGHTS.admin };\n',
    'packages/server/src/http/handlers/groups.ts': [
      "// A comment may mention SITE_RIGHTS.noNewGroups and mask & bits.",
      'await store.setRightsLink({ rights: GROUP_FULL });',
      "if (can(mask, 'terminal') && a && b) x &= 1;",
      'const net = (address & maskOf(prefix)) >>> 0;',
    ].join('\n'),
  }));
  assert.equal(r.status, 0, r.stderr);
});

test('the allow list is exact: the same file may not test other bits', () => {
  const r = run(fakeTree({ 'packages/server/src/http/handlers/setup.ts': 'const x = { siteRights: SITE_RIGHTS.admin };\nif ((u.siteRights & SITE_RIGHTS.locked) !== 0) {}\n' }));
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /setup\.ts:2/);
});
