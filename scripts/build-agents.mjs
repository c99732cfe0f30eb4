#!/usr/bin/env node
// Builds the self-contained agent executables (Node single-executable applications), one per platform
// in scripts/agent-platforms.json, into dist/agent-packages/<platform>/meshwork-agent + manifest.json.
//
//   node scripts/build-agents.mjs [--platform P]… [--version V] [--out DIR] [--if-possible]
//                                 [--test-fault exit-on-run]
//
// For each platform:
//   1. the Node binary: `npm pack` of the pinned npm package (cached in node_modules/.cache), its
//      sha512 checked against the pin before it is unpacked;
//   2. the pty addon: node-pty's src/unix/pty.cc (+ packages/agent/src/sea/pty-compat.cc) compiled
//      with the platform's g++ (cross g++ for arm) against the Node headers of that same package, with
//      reproducible flags; cached in node_modules/.cache by compiler, flags and sources;
//   3. the bundle: esbuild, packages/agent/dist/sea/main.js and everything it imports → one CommonJS
//      script; node-pty's native loader is replaced by one holding the addon (scripts/agent-bundle.mjs);
//   4. the SEA blob, made by the target's own Node (under qemu for arm). Without V8's code cache by
//      default: V8 writes a different cache on every run (it depends on the random string hash seed;
//      a fixed --hash-seed makes it stable but changes the flag hash, so the executable rejects it).
//      `--code-cache` adds it anyway (faster first start, not reproducible);
//   5. postject puts the blob into a copy of the Node binary; the result must answer `--version`.
//      Skipped when <out>/<platform>/.inputs says the same blob went into the same Node ('up to date').
// Same inputs → same bytes: nothing depends on the time, the build dir or the host (checked by
// test/agent-build.test.ts). `--if-possible` skips a platform whose toolchain is missing (saying
// which apt command adds it); without it a missing toolchain is an error.
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';
import { bundleAgent } from './agent-bundle.mjs';

const root = resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
const PLATFORMS = JSON.parse(readFileSync(join(root, 'scripts', 'agent-platforms.json'), 'utf8'));
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const CACHE = join(root, 'node_modules', '.cache', 'meshwork-agents');

const { values: opts } = parseArgs({
  options: {
    platform: { type: 'string', multiple: true },
    version: { type: 'string' },
    out: { type: 'string' },
    'if-possible': { type: 'boolean', default: false },
    'test-fault': { type: 'string' },
    'code-cache': { type: 'boolean', default: false }, // faster first start, but not reproducible (see the header)
    'no-native-cache': { type: 'boolean', default: false }, // compile the pty addon even if cached (the reproducibility test)
    'keep-work': { type: 'boolean', default: false }, // debugging: keep the intermediate files
  },
});
const platforms = opts.platform ?? Object.keys(PLATFORMS);
for (const p of platforms) if (!PLATFORMS[p]) fail(`unknown platform ${p} (known: ${Object.keys(PLATFORMS).join(', ')})`);
const version = opts.version ?? JSON.parse(readFileSync(join(root, 'packages', 'protocol', 'package.json'), 'utf8')).version;
if (!/^[0-9A-Za-z][0-9A-Za-z.+-]{0,63}$/.test(version)) fail(`--version ${JSON.stringify(version)}: letters, digits and . + - only`);
const fault = opts['test-fault'] ?? '';
if (fault !== '' && fault !== 'exit-on-run') fail(`--test-fault ${fault}: the only fault is exit-on-run`);
const outDir = resolve(opts.out ?? join(root, 'dist', 'agent-packages'));

function fail(message) {
  console.error(`build-agents: ${message}`);
  process.exit(1);
}
const has = (bin) => spawnSync('sh', ['-c', 'command -v "$1"', 'sh', bin], { stdio: 'ignore' }).status === 0;
const which = (bin) => run('sh', ['-c', 'command -v "$1"', 'sh', bin]).trim();
const sha256 = (b) => createHash('sha256').update(b).digest('hex');
const run = (cmd, args, o = {}) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...o });
  if (r.status !== 0) throw new Error(`${[cmd, ...args].join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stderr ?? ''}${r.stdout ?? ''}`);
  return r.stdout;
};
/** A clean environment for the tools we run: no NODE_OPTIONS, no locale or time zone leaking into outputs. */
const toolEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/', LC_ALL: 'C', TZ: 'UTC', SOURCE_DATE_EPOCH: '0' };


async function main() {
  const started = performance.now();
  if (fault) console.warn(`build-agents: WARNING: --test-fault ${fault}: these executables exit 70 on \`run\`; for the rollback tests only`);
  const missingJs = ['esbuild', 'postject'].filter((m) => !resolvable(m));
  const ready = [];
  for (const p of platforms) {
    const cfg = PLATFORMS[p];
    const bins = [cfg.cxx, ...(cfg.emulator ? [cfg.emulator[0]] : [])].filter((b) => !has(b));
    if (bins.length === 0 && missingJs.length === 0) {
      ready.push(p);
      continue;
    }
    const why = missingJs.length ? `${missingJs.join(' and ')} not installed (npm install)` : `${bins.join(', ')} missing: apt-get install -y --no-install-recommends ${cfg.apt.join(' ')}`;
    if (!opts['if-possible']) fail(`${p}: ${why}`);
    console.log(`build-agents: skipping ${p}: ${why}`);
  }
  const agentMain = join(root, 'packages', 'agent', 'dist', 'sea', 'main.js');
  if (ready.length && !existsSync(agentMain)) fail(`${relative(root, agentMain)} is missing: build the agent first (npx tsc -b packages/agent)`);

  const built = [];
  const work = mkdtempSync(join(tmpdir(), 'meshwork-build-agents-'));
  try {
    for (const p of ready) {
      if (opts['if-possible']) {
        // Offline, or the registry refuses: skip the platform rather than fail `npm run build`.
        try {
          await nodePackage(PLATFORMS[p].node);
        } catch (e) {
          console.log(`build-agents: skipping ${p}: ${String(e?.message ?? e).split('\n')[0]}`);
          continue;
        }
      }
      built.push(await buildPlatform(p, join(work, p)));
    }
  } catch (e) {
    fail(e?.stack ?? String(e));
  } finally {
    if (opts['keep-work']) console.log(`build-agents: intermediate files kept in ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
  const manifest = writeManifest(built);
  printTable(manifest, built, (performance.now() - started) / 1000);
}

function resolvable(m) {
  try {
    require.resolve(m);
    return true;
  } catch {
    return false;
  }
}

async function buildPlatform(platform, work) {
  const cfg = PLATFORMS[platform];
  mkdirSync(work, { recursive: true });
  const t = { start: performance.now() };
  const node = await nodePackage(cfg.node);
  t.node = performance.now();
  const pty = compilePty(cfg, node, work);
  t.pty = performance.now();
  const script = await bundleAgent({ root, version, fault, addons: { pty } });
  writeFileSync(join(work, 'meshwork-agent.cjs'), script);
  t.bundle = performance.now();
  const codeCache = opts['code-cache'];
  const seaConfig = { main: 'meshwork-agent.cjs', output: 'sea.blob', disableExperimentalSEAWarning: true, useCodeCache: codeCache, useSnapshot: false };
  writeFileSync(join(work, 'sea.json'), JSON.stringify(seaConfig));
  // Relative paths: the blob records the main script's name, which must not depend on the build dir.
  const exec = (exe, args, o) => (cfg.emulator ? run(which(cfg.emulator[0]), [...cfg.emulator.slice(1), exe, ...args], o) : run(exe, args, o));
  exec(node.bin, ['--experimental-sea-config', 'sea.json'], { cwd: work, env: toolEnv });
  const blob = readFileSync(join(work, 'sea.blob'));
  t.blob = performance.now();

  const dir = join(outDir, platform);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'meshwork-agent');
  // Up to date: the same blob in the same Node gives the same file (the reason for 'kept' below).
  const inputs = sha256(Buffer.concat([Buffer.from(`${cfg.node.integrity}\n${postjectVersion()}\n`), blob]));
  const inputsFile = join(dir, '.inputs');
  const upToDate = existsSync(file) && existsSync(inputsFile) && readFileSync(inputsFile, 'utf8') === inputs;
  if (upToDate) {
    const bytes = readFileSync(file);
    const ms = (a, b) => Math.round(t[b] - t[a]);
    return { entry: entryOf(platform, cfg, bytes), detail: { upToDate: true, ms: { node: ms('start', 'node'), pty: ms('node', 'pty'), bundle: ms('pty', 'bundle'), blob: ms('bundle', 'blob') } } };
  }
  rmSync(inputsFile, { force: true });
  const tmp = `${file}.tmp-${process.pid}`;
  copyFileSync(node.bin, tmp);
  chmodSync(tmp, 0o755);
  await quietly(/^warning: Can't find string offset for section name/, () => require('postject').inject(tmp, 'NODE_SEA_BLOB', blob, { sentinelFuse: SEA_FUSE }));
  t.inject = performance.now();
  const said = exec(tmp, ['--version'], { env: { PATH: '/nonexistent', HOME: work } }).trim();
  if (said !== version) throw new Error(`${platform}: the new executable says --version ${JSON.stringify(said)}, not ${version}`);
  renameSync(tmp, file);
  writeFileSync(inputsFile, inputs);
  t.check = performance.now();
  const bytes = readFileSync(file);
  const ms = (a, b) => Math.round(t[b] - t[a]);
  return {
    entry: entryOf(platform, cfg, bytes),
    detail: { pty: pty.bytes.length, script: script.length, blob: blob.length, codeCache, ms: { node: ms('start', 'node'), pty: ms('node', 'pty'), bundle: ms('pty', 'bundle'), blob: ms('bundle', 'blob'), inject: ms('blob', 'inject'), check: ms('inject', 'check') } },
  };
}

/** Runs `fn` with the stderr lines matching `noise` dropped (postject's LIEF warns about every ELF note section). */
async function quietly(noise, fn) {
  const write = process.stderr.write;
  process.stderr.write = function (chunk, ...rest) {
    const text = String(chunk);
    const kept = text.split('\n').filter((l) => !noise.test(l)).join('\n');
    return kept.trim() === '' ? true : write.call(this, kept, ...rest);
  };
  try {
    return await fn();
  } finally {
    process.stderr.write = write;
  }
}

const entryOf = (platform, cfg, bytes) => ({ platform, version, sha256: sha256(bytes), size: bytes.length, file: `${platform}/meshwork-agent`, node: cfg.node.version });
const postjectVersion = () => JSON.parse(readFileSync(require.resolve('postject/package.json'), 'utf8')).version;

/** The pinned Node package: fetched once with `npm pack`, its sha512 checked, bin/node and the headers unpacked. */
async function nodePackage({ npm, version: v, integrity }) {
  const dir = join(CACHE, `${npm}-${v}`);
  const bin = join(dir, 'package', 'bin', 'node');
  const include = join(dir, 'package', 'include', 'node');
  const stamp = join(dir, 'integrity');
  if (existsSync(bin) && existsSync(stamp) && readFileSync(stamp, 'utf8') === integrity) return { bin, include };
  mkdirSync(CACHE, { recursive: true });
  const tgz = join(CACHE, `${npm}-${v}.tgz`);
  const ok = () => existsSync(tgz) && `sha512-${createHash('sha512').update(readFileSync(tgz)).digest('base64')}` === integrity;
  if (!ok()) {
    rmSync(tgz, { force: true });
    console.log(`build-agents: fetching ${npm}@${v} (npm pack)`);
    run('npm', ['pack', `${npm}@${v}`, '--pack-destination', CACHE, '--silent'], { cwd: CACHE, timeout: 600_000, env: { ...process.env, npm_config_loglevel: 'error', npm_config_fetch_retries: '1' } });
    if (!ok()) {
      rmSync(tgz, { force: true });
      throw new Error(`${npm}@${v}: the package fetched does not match the sha512 pinned in scripts/agent-platforms.json`);
    }
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  run('tar', ['-xzf', tgz, '-C', dir, 'package/bin/node', 'package/include/node']);
  writeFileSync(stamp, integrity);
  return { bin, include };
}

/** node-pty's pty.cc → pty.node for this platform, as node-gyp would build it, minus everything host-specific. */
function compilePty(cfg, node, work) {
  const ptyDir = join(root, 'node_modules', 'node-pty');
  const addonApi = [join(ptyDir, 'node_modules', 'node-addon-api'), join(root, 'node_modules', 'node-addon-api')].find((d) => existsSync(join(d, 'napi.h')));
  if (!addonApi) throw new Error('node-addon-api (napi.h) not found next to node-pty');
  const sources = [join(ptyDir, 'src', 'unix', 'pty.cc'), join(root, 'packages', 'agent', 'src', 'sea', 'pty-compat.cc')];
  const args = [
    ...cfg.cxxflags,
    '-shared', '-fPIC', '-pthread', '-O2', '-D_FORTIFY_SOURCE=2', '-std=gnu++17', '-fno-rtti',
    '-Wall', '-Wno-unused-parameter',
    // pty-compat.cc: no symbol newer than Node's own glibc floor (see that file).
    '-Dforkpty=meshwork_forkpty', '-Dopenpty=meshwork_openpty', '-Dpthread_sigmask=sigprocmask',
    '-DNODE_GYP_MODULE_NAME=pty', '-DUSING_UV_SHARED=1', '-DUSING_V8_SHARED=1', '-D_GLIBCXX_USE_CXX11_ABI=1',
    '-D_FILE_OFFSET_BITS=64', '-D_LARGEFILE_SOURCE', '-DNAPI_CPP_EXCEPTIONS', '-DBUILDING_NODE_EXTENSION',
    `-I${node.include}`, `-I${addonApi}`,
    // Reproducible: no build paths in the output, no build id, no random symbol names, no symbols.
    `-ffile-prefix-map=${root}=.`, `-ffile-prefix-map=${CACHE}=.`, '-frandom-seed=meshwork-pty',
    '-Wl,--build-id=none', '-Wl,-z,relro', '-Wl,-z,now', '-s',
  ];
  // Compiled once per input: the compiler, the flags, the sources and headers decide the bytes.
  const key = createHash('sha256').update(run(cfg.cxx, ['--version'], { env: toolEnv })).update(JSON.stringify(args)).update(cfg.node.integrity);
  for (const f of [...sources, join(addonApi, 'napi.h'), join(addonApi, 'napi-inl.h')]) key.update(readFileSync(f));
  const out = opts['no-native-cache'] ? join(work, 'pty-fresh.node') : join(CACHE, 'pty', `${cfg.node.npm}-${key.digest('hex').slice(0, 32)}.node`);
  if (!existsSync(out)) {
    mkdirSync(dirname(out), { recursive: true });
    const tmp = join(work, 'pty.node');
    run(cfg.cxx, [...args, '-o', tmp, ...sources], { env: toolEnv, cwd: work });
    copyFileSync(tmp, `${out}.tmp`);
    renameSync(`${out}.tmp`, out);
  }
  const needs = glibcFloor(out);
  const nodeNeeds = glibcFloor(node.bin);
  if (compareVersions(needs, nodeNeeds) > 0) throw new Error(`pty.node needs GLIBC_${needs}, newer than Node's own GLIBC_${nodeNeeds}: ${glibcSymbols(out, nodeNeeds).join(', ')}`);
  const bytes = readFileSync(out);
  return { name: 'pty', sha256: sha256(bytes), bytes };
}

/** The newest GLIBC_x.y version an ELF file needs, from its version-needs section (readelf reads any architecture). */
function glibcFloor(file) {
  const text = run('readelf', ['--version-info', '--wide', file], { env: toolEnv });
  return [...text.matchAll(/Name: GLIBC_([0-9.]+)/g)].map((m) => m[1]).reduce((a, b) => (compareVersions(a, b) >= 0 ? a : b), '0');
}
function glibcSymbols(file, above) {
  return glibcVersions(file).filter((v) => compareVersions(v.version, above) > 0).map((v) => `${v.name}@GLIBC_${v.version}`);
}
function glibcVersions(file) {
  const text = run('readelf', ['--dyn-syms', '--wide', file], { env: toolEnv });
  return [...text.matchAll(/ UND ([^@\s]+)@GLIBC_([0-9.]+)/g)].map((m) => ({ name: m[1], version: m[2] }));
}
function compareVersions(a, b) {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

/** manifest.json: the packages built now, plus earlier ones still in DIR whose files still match. */
function writeManifest(built) {
  const file = join(outDir, 'manifest.json');
  let old = [];
  try {
    old = JSON.parse(readFileSync(file, 'utf8')).packages ?? [];
  } catch {
    // none yet
  }
  const now = new Map(built.map((b) => [b.entry.platform, b.entry]));
  const kept = old.filter((e) => !now.has(e.platform) && PLATFORMS[e.platform] && stillMatches(e));
  const order = Object.keys(PLATFORMS);
  const packages = [...now.values(), ...kept].sort((a, b) => order.indexOf(a.platform) - order.indexOf(b.platform));
  const manifest = { format: 1, packages };
  mkdirSync(outDir, { recursive: true });
  writeFileSync(`${file}.tmp`, JSON.stringify(manifest, null, 2) + '\n');
  renameSync(`${file}.tmp`, file);
  return manifest;
}

function stillMatches(e) {
  const f = join(outDir, e.file);
  try {
    return statSync(f).size === e.size && sha256(readFileSync(f)) === e.sha256;
  } catch {
    return false;
  }
}

function printTable(manifest, built, seconds) {
  const state = new Map(built.map((b) => [b.entry.platform, b.detail.upToDate ? 'up to date' : 'built']));
  const rows = manifest.packages.map((e) => [e.platform, e.version, `${(e.size / 1e6).toFixed(1)} MB`, String(e.size), e.sha256, e.node, state.get(e.platform) ?? 'kept']);
  const head = ['platform', 'version', 'size', 'bytes', 'sha256', 'node', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  console.log(`build-agents: ${relative(root, outDir) || outDir}/manifest.json`);
  console.log(line(head));
  for (const r of rows) console.log(line(r));
  for (const b of built) {
    const d = b.detail;
    const steps = Object.entries(d.ms).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`).join(', ');
    if (d.upToDate) {
      console.log(`  ${b.entry.platform}: up to date (${steps})`);
      continue;
    }
    console.log(`  ${b.entry.platform}: script ${(d.script / 1e6).toFixed(2)} MB, pty.node ${(d.pty / 1e3).toFixed(0)} kB, blob ${(d.blob / 1e6).toFixed(2)} MB (${d.codeCache ? 'with' : 'without'} code cache); ${steps}`);
  }
  console.log(`build-agents: ${built.length} platform(s) in ${seconds.toFixed(1)} s`);
}

await main();
