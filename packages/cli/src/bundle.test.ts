import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleFiles, freshBundle, loadBundle } from './bundle.js';

/** A stand-in bundle: the CommonJS wrapper function, exporting a `run` that uses what it is given. */
const FAKE = `(function (exports, require, module, __filename, __dirname) {
  const { basename } = require('node:path');
  exports.run = async (argv) => [basename(__filename), ...argv].join(' ');
})`;

function fakeBundleDir(t: { after(fn: () => void): void }): { dir: string; input: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mw-bundle-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const input = join(dir, 'input.tsbuildinfo');
  writeFileSync(input, '{}');
  const past = new Date(Date.now() - 60_000);
  utimesSync(input, past, past);
  const files = bundleFiles(dir);
  writeFileSync(files.bundle, FAKE);
  writeFileSync(files.manifest, JSON.stringify({ inputs: ['input.tsbuildinfo'] }));
  return { dir, input };
}

test('a bundle is used only while no input is newer, it has a manifest, and MESHWORK_NO_BUNDLE is unset', (t) => {
  const { dir, input } = fakeBundleDir(t);
  assert.equal(freshBundle({}, dir), bundleFiles(dir).bundle);
  assert.equal(freshBundle({ MESHWORK_NO_BUNDLE: '1' }, dir), null);
  const future = new Date(Date.now() + 60_000);
  utimesSync(input, future, future); // a package rebuilt after the bundle
  assert.equal(freshBundle({}, dir), null);
  rmSync(input); // an input gone
  assert.equal(freshBundle({}, dir), null);
  assert.equal(freshBundle({}, join(dir, 'missing')), null);
});

/** Loads the bundle in a fresh process (V8's in-process compilation cache would hide the code cache). */
function loadInChild(file: string): { cacheUsed: boolean; out: unknown } {
  const script = `const b = await import(${JSON.stringify(new URL('./bundle.js', import.meta.url).href)});
    const l = b.loadBundle(${JSON.stringify(file)});
    console.log(JSON.stringify({ cacheUsed: l.cacheUsed, out: await l.exports.run(['server', 'start']) }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { cacheUsed: boolean; out: unknown };
}

test('the bundle runs as a CommonJS module, with its code cache when V8 accepts it', async (t) => {
  const { dir } = fakeBundleDir(t);
  const files = bundleFiles(dir);
  assert.deepEqual(loadInChild(files.bundle), { cacheUsed: false, out: 'cli.cjs server start' }, 'no cache yet');
  const loaded = loadBundle(files.bundle);
  await loaded.exports.run([]);
  writeFileSync(files.cache, loaded.createCache());
  assert.deepEqual(loadInChild(files.bundle), { cacheUsed: true, out: 'cli.cjs server start' });
  writeFileSync(files.cache, 'not a code cache');
  assert.deepEqual(loadInChild(files.bundle), { cacheUsed: false, out: 'cli.cjs server start' }, 'a bad cache is ignored, not fatal');
});
