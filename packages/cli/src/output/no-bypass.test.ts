/**
 * Structural check: no CLI source outside `src/output/` writes to a terminal stream or spells a
 * terminal escape itself, so every byte the CLI prints passes output/printable.ts or is named for
 * what it is in output/streams.ts (the CLI's own controls, a remote program's bytes).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

const FORBIDDEN: [RegExp, string][] = [
  [/\bconsole\.\w+\(/, 'console output'],
  [/\b(stdout|stderr|out)\.write\(/, 'a direct write to a stream'],
  [/\bprocess\.(stdout|stderr)\.write\b/, 'a direct write to a process stream'],
  [/\\x1b|\\u001b|\\u\{1b\}|\\x9b|\\u009b|\\033/i, 'a terminal escape sequence'],
];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'output' && dir === SRC ? [] : sources(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

test('only src/output/ writes to terminal streams', () => {
  const files = sources(SRC);
  assert.ok(files.length > 20, `found the CLI sources in ${SRC}`);
  const found: string[] = [];
  for (const file of files) {
    readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
      for (const [re, what] of FORBIDDEN) if (re.test(line)) found.push(`${relative(SRC, file)}:${i + 1}: ${what}: ${line.trim()}`);
    });
  }
  assert.deepEqual(found, [], 'print through ctx.print / ctx.note or output/streams.ts instead');
});
