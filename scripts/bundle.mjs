#!/usr/bin/env node
// Build step after `tsc -b`: the CLI's start-up bundle (see packages/cli/src/bundle.ts).
//   1. esbuild: packages/cli/dist/run.js and all it imports → packages/cli/dist/bundle/cli.cjs, one
//      CommonJS module wrapper function, minified (names kept; cli.cjs.map maps it back).
//      Native addons (every package with a binding.gyp) stay external and load from node_modules;
//      `import.meta.url` in our modules is rewritten to the module's dist file, so paths derived from
//      it (the cluster's worker entry) point where they do unbundled. A dynamic import() of an
//      external or a built-in becomes a require(): Node 20 loses a script's dynamic-import callback
//      when the script comes from a code cache, so the bundle must contain no import() at all.
//   2. Warm-up in a child process: load the bundle, first-start a server on a free port in a temporary
//      data dir, answer one request, save V8's code cache → cli.cjs.v8cache.
//   3. manifest.json last: the build-info files whose change makes the bundle stale.
// The bundle is an optimisation: when esbuild is missing or the warm-up fails, this prints why and
// leaves no manifest, so the CLI loads from dist as before.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { isBuiltin } from 'node:module';
import { createServer } from 'node:net';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const cliDist = join(root, 'packages', 'cli', 'dist');
const { BUNDLE_DIR, BUNDLE_FILE, CACHE_FILE, MANIFEST_FILE, loadBundle } = await import(join(cliDist, 'bundle.js'));

if (process.argv[2] === '--warm-up') {
  // The server installs its own unhandledRejection logger: exit explicitly either way.
  await warmUp().then(() => process.exit(0), (e) => {
    console.error(e?.stack ?? String(e));
    process.exit(1);
  });
} else await build();

async function build() {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    console.error('bundle: esbuild is not installed; the CLI loads from dist');
    return;
  }
  const started = performance.now();
  const natives = nativePackages();
  mkdirSync(BUNDLE_DIR, { recursive: true });
  rmSync(MANIFEST_FILE, { force: true }); // stale from here on, until the new manifest is written
  rmSync(CACHE_FILE, { force: true });
  const tmp = `${BUNDLE_FILE}.tmp-${process.pid}`;
  const result = await esbuild.build({
    absWorkingDir: root, // metafile paths are relative to it (the manifest below relies on that)
    entryPoints: [join(cliDist, 'run.js')],
    outfile: tmp,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${process.versions.node.split('.')[0]}`,
    external: natives.flatMap((p) => [p, `${p}/*`]),
    plugins: [importMetaToDistFile(), dynamicImportAsRequire(natives)],
    // The file is the CommonJS wrapper function itself, so loadBundle compiles it as read (one
    // copy of the source in memory, not the text plus a wrapped copy).
    banner: { js: '(function (exports, require, module, __filename, __dirname) {' },
    footer: { js: '})' },
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: 'linked',
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  renameSync(`${tmp}.map`, `${BUNDLE_FILE}.map`);
  const stray = result.warnings.filter((w) => /import\.meta/.test(w.text)).map((w) => `import.meta in ${w.location?.file}`);
  const dynamic = Object.values(result.metafile.inputs).flatMap((i) => i.imports.filter((m) => m.kind === 'dynamic-import' && m.external).map((m) => `import() of ${m.path}`));
  if (stray.length || dynamic.length) {
    rmSync(tmp, { force: true });
    console.error(`bundle: ${[...stray, ...dynamic].join(', ')} would break in the bundle; the CLI loads from dist`);
    return;
  }
  const text = readFileSync(tmp, 'utf8');
  writeFileSync(tmp, text.replace(/\/\/# sourceMappingURL=.*$/m, '//# sourceMappingURL=cli.cjs.map'));
  renameSync(tmp, BUNDLE_FILE);

  const warm = spawnSync(process.execPath, [import.meta.filename, '--warm-up'], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: 60_000 });
  if (warm.status !== 0 || !existsSync(CACHE_FILE)) {
    console.error(`bundle: the warm-up run failed, so the CLI loads from dist:\n${warm.stderr || warm.error?.message || `exit ${warm.status}`}`);
    return;
  }
  // The bundle is stale once any package in it is rebuilt, or npm changes node_modules.
  const packages = new Set(Object.keys(result.metafile.inputs).map((f) => /^packages\/([^/]+)\/dist\//.exec(f)?.[1]).filter(Boolean));
  const inputs = [...packages].map((p) => join(root, 'packages', p, 'dist', '.tsbuildinfo'));
  inputs.push(join(root, 'node_modules', '.package-lock.json'));
  const manifest = { inputs: inputs.filter((f) => existsSync(f)).map((f) => relative(BUNDLE_DIR, f)) };
  writeFileSync(`${MANIFEST_FILE}.tmp`, JSON.stringify(manifest, null, 2) + '\n');
  renameSync(`${MANIFEST_FILE}.tmp`, MANIFEST_FILE);
  const mb = (f) => (readFileSync(f).length / 1e6).toFixed(1);
  console.log(`bundle: ${relative(root, BUNDLE_FILE)} (${mb(BUNDLE_FILE)} MB, code cache ${mb(CACHE_FILE)} MB) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/** Top-level packages (and scoped ones) with a native addon: they must load from node_modules. */
function nativePackages() {
  const nm = join(root, 'node_modules');
  const names = readdirSync(nm).flatMap((n) => (n.startsWith('@') ? readdirSync(join(nm, n)).map((s) => `${n}/${s}`) : [n]));
  return names.filter((n) => existsSync(join(nm, n, 'binding.gyp')));
}

/** `import('argon2')`, `import('node:os')` → a bundled shim that require()s it (see the header). */
function dynamicImportAsRequire(natives) {
  const external = (p) => isBuiltin(p) || natives.some((n) => p === n || p.startsWith(`${n}/`));
  return {
    name: 'dynamic-import-as-require',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) =>
        args.kind === 'dynamic-import' && external(args.path) ? { path: args.path, namespace: 'require-shim' } : undefined);
      b.onLoad({ filter: /.*/, namespace: 'require-shim' }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(args.path)});`,
        loader: 'js',
        resolveDir: root,
      }));
    },
  };
}

/** In our dist modules, import.meta.{url,filename,dirname} → that module's own dist file, as seen from the bundle. */
function importMetaToDistFile() {
  return {
    name: 'import-meta-to-dist-file',
    setup(b) {
      b.onLoad({ filter: /[\\/]packages[\\/][^\\/]+[\\/]dist[\\/].*\.js$/ }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        if (!text.includes('import.meta')) return undefined;
        const rel = JSON.stringify(relative(BUNDLE_DIR, args.path));
        const file = `require('node:path').join(__dirname, ${rel})`;
        const contents = text
          .replaceAll('import.meta.url', `require('node:url').pathToFileURL(${file}).href`)
          .replaceAll('import.meta.filename', file)
          .replaceAll('import.meta.dirname', `require('node:path').dirname(${file})`);
        return { contents, loader: 'js', resolveDir: dirname(args.path) };
      });
    },
  };
}

/** Child process: first start of a server from the bundle, one request, then the code cache. */
async function warmUp() {
  const bundle = loadBundle(BUNDLE_FILE, null);
  const port = await freePort();
  const data = mkdtempSync(join(tmpdir(), 'meshwork-bundle-warm-up-'));
  try {
    const r = await bundle.exports.run(['server', 'start', '--port', String(port), '--host', '127.0.0.1', '--data', data, '--log-level', 'error']);
    if (r !== 'running') throw new Error(`server start returned ${r}`);
    const status = await new Promise((ok, fail) => get(`https://127.0.0.1:${port}/api/v1/server`, { rejectUnauthorized: false }, (res) => ok(res.statusCode)).on('error', fail));
    if (status !== 200) throw new Error(`GET /api/v1/server answered ${status}`);
    writeFileSync(`${CACHE_FILE}.tmp`, bundle.createCache());
    renameSync(`${CACHE_FILE}.tmp`, CACHE_FILE);
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
}

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
    s.on('error', fail);
  });
}
