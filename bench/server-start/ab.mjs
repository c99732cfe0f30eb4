#!/usr/bin/env node
// Interleaved A/B of Meshwork server start-up variants, for a noisy machine: every round runs each
// variant once (first start, then restart), in a rotated order, so load spikes hit all variants alike.
// Besides wall time to the first 200 it records the process's CPU time (utime+stime from
// /proc/PID/stat, read right after that 200), which load from other processes barely moves.
//
//   node bench/server-start/ab.mjs [--rounds N] [--idle-seconds S [--idle-count K]] LABEL=[ENV=VALUE… ][NODE_FLAGS… ]ENTRY …
// With --idle-seconds, the restarted servers of the last K rounds stay up, idle, for S seconds, and
// the table gets their median RSS. Ports are taken from --port upwards, a new one for every start.
//   e.g. before=/tmp/mw-before/packages/cli/dist/main.js after=packages/cli/dist/main.js \
//        'dist=MESHWORK_NO_BUNDLE=1 packages/cli/dist/main.js' 'semi=--max-semi-space-size=16 packages/cli/dist/main.js'
// (snapshot.mjs freezes a build for such comparisons; other people's rebuilds then cannot change it.)
// ENTRY is a CLI entry (run as `ENTRY server start …`, like npm start), or a server bin.js (run as `ENTRY …`).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { machine, median, rssMb, sleep, start, stop, waitHttps } from '../lib/proc.mjs';
import { cpuMs, loadsFrom } from './cpu.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '8' },
    'idle-seconds': { type: 'string', default: '0' },
    'idle-count': { type: 'string', default: '1' },
    port: { type: 'string', default: '18500' },
  },
});
const ROUNDS = Number(values.rounds);
const IDLE_S = Number(values['idle-seconds']);
const IDLE_N = Math.min(Number(values['idle-count']), ROUNDS);
const PORT0 = Number(values.port);

const variants = positionals.map((p) => {
  const eq = p.indexOf('=');
  if (eq < 1) throw new Error(`variant "${p}" is not LABEL=[ENV=VALUE… ][FLAGS… ]ENTRY`);
  const words = p.slice(eq + 1).trim().split(/\s+/);
  const entry = resolve(words.pop());
  const args = basename(entry) === 'bin.js' ? [entry] : [entry, 'server', 'start'];
  const env = Object.fromEntries(words.filter((w) => /^[A-Z_][A-Z0-9_]*=/.test(w)).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]));
  const flags = words.filter((w) => !/^[A-Z_][A-Z0-9_]*=/.test(w));
  return { label: p.slice(0, eq), env: { ...process.env, ...env }, flags, args, first: [], restart: [], cpuFirst: [], cpuRestart: [], rss: [] };
});
if (variants.length === 0) throw new Error('name at least one variant');

const bundleState = (v) => loadsFrom(v.args[0], v.env);
for (const v of variants) v.loads = await bundleState(v);

let nextPort = PORT0;
async function once(v, dataDir) {
  const port = nextPort++;
  const t0 = performance.now();
  const child = start(process.execPath, [...v.flags, ...v.args, '--port', String(port), '--data', dataDir, '--log-level', 'warn'], { env: v.env });
  let ms;
  try {
    ms = await waitHttps(`https://127.0.0.1:${port}/api/v1/server`, t0, { ok: (s) => s === 200, everyMs: 5, timeoutMs: 30_000 });
  } catch (e) {
    await stop(child);
    throw new Error(`${v.label}: ${e.message}\n${child.output()}`);
  }
  return { child, ms, cpu: cpuMs(child.pid) };
}

console.log(`# server-start A/B — ${new Date().toISOString()} — ${machine()} — load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
const keep = [];
for (let r = 0; r < ROUNDS; r++) {
  const order = variants.map((_, i) => variants[(i + r) % variants.length]);
  for (const v of order) {
    const dataDir = mkdtempSync(join(tmpdir(), 'mw-ab-'));
    const a = await once(v, dataDir);
    await stop(a.child);
    const b = await once(v, dataDir);
    v.first.push(a.ms);
    v.cpuFirst.push(a.cpu);
    v.restart.push(b.ms);
    v.cpuRestart.push(b.cpu);
    if (IDLE_S > 0 && r >= ROUNDS - IDLE_N) keep.push({ v, child: b.child, dataDir });
    else {
      await stop(b.child);
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
}
if (keep.length) {
  await sleep(IDLE_S * 1000);
  for (const k of keep) {
    k.v.rss.push(rssMb(k.child.pid));
    await stop(k.child);
    rmSync(k.dataDir, { recursive: true, force: true });
  }
}

const m = (xs) => median(xs).toFixed(0);
const range = (xs) => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`;
console.log(`\nmedians of ${ROUNDS} interleaved rounds (min–max)\n`);
console.log(`| variant | loads from | first start | first CPU | restart | restart CPU |${IDLE_S ? ` RSS after ${IDLE_S} s (n=${IDLE_N}) |` : ''}`);
console.log(`| --- | --- | --- | --- | --- | --- |${IDLE_S ? ' --- |' : ''}`);
for (const v of variants) {
  const cells = [v.loads, `${m(v.first)} ms (${range(v.first)})`, `${m(v.cpuFirst)} ms`, `${m(v.restart)} ms (${range(v.restart)})`, `${m(v.cpuRestart)} ms`];
  if (IDLE_S) cells.push(`${median(v.rss).toFixed(1)} MB (${Math.min(...v.rss).toFixed(1)}–${Math.max(...v.rss).toFixed(1)})`);
  console.log(`| ${v.label} | ${cells.join(' | ')} |`);
}
const stale = [];
for (const v of variants) if (v.loads !== (await bundleState(v))) stale.push(v);
if (stale.length) console.log(`\nwarning: ${stale.map((v) => v.label).join(', ')} changed between bundle and dist during the run (someone rebuilt?)`);
