#!/usr/bin/env node
// Server start benchmark: Meshwork vs the real MeshCentral (../shared/peer), side by side in one run.
//   first start (identity generation) → first successful HTTPS response
//   restart (identity exists)         → first successful HTTPS response
//   idle RSS 30 s after a restart
// and the CPU time (utime+stime) each server had used by its first answer — steadier than wall
// time on a shared machine (for MeshCentral: the launcher plus its server child).
// Usage: node bench/server-start/run.mjs [--rounds N] [--idle-seconds S] [--no-peer]
import { cpSync, existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { childPids, machine, median, rssMb, sleep, start, stop, waitHttps } from '../lib/proc.mjs';
import { cpuMs, loadsFrom } from './cpu.mjs';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, 'idle-seconds': { type: 'string', default: '30' }, 'no-peer': { type: 'boolean', default: false } } });
const ROUNDS = Number(values.rounds);
const IDLE_S = Number(values['idle-seconds']);
const repo = resolve(import.meta.dirname, '..', '..');
const shared = resolve(repo, '..', 'shared', 'peer');
const cli = join(repo, 'packages', 'cli', 'dist', 'main.js');
const MW_PORT = 18443;

async function meshworkOnce(dataDir) {
  const t0 = performance.now();
  const child = start(process.execPath, [cli, 'server', 'start', '--port', String(MW_PORT), '--data', dataDir, '--log-level', 'warn']);
  const ms = await waitHttps(`https://127.0.0.1:${MW_PORT}/api/v1/server`, t0, { ok: (s) => s === 200 });
  return { child, ms, cpu: cpuMs(child.pid) };
}

async function benchMeshwork() {
  const first = [], restart = [], cpuFirst = [], cpuRestart = [];
  let dataDir;
  for (let i = 0; i < ROUNDS; i++) {
    dataDir = mkdtempSync(join(tmpdir(), 'mw-bench-start-'));
    const a = await meshworkOnce(dataDir);
    first.push(a.ms);
    cpuFirst.push(a.cpu);
    await stop(a.child);
    const b = await meshworkOnce(dataDir);
    restart.push(b.ms);
    cpuRestart.push(b.cpu);
    if (i < ROUNDS - 1) { await stop(b.child); rmSync(dataDir, { recursive: true, force: true }); }
    else return { first, restart, cpuFirst, cpuRestart, idle: b.child, dataDir };
  }
}

// ---- MeshCentral peer ----
const MC_DIR = process.env.MC_DIR ?? join(tmpdir(), 'meshcentral-peer');
const MC_MOD = join(MC_DIR, 'node_modules', 'meshcentral');
const MC_URL = 'https://127.0.0.1:4430/';

async function mcOnce() {
  const t0 = performance.now();
  const child = start(process.execPath, [MC_MOD], { cwd: MC_DIR });
  const ms = await waitHttps(MC_URL, t0, { timeoutMs: 180_000 });
  return { child, ms, cpu: mcCpu(child) };
}

const mcCpu = (child) => cpuMs(child.pid) + childPids(child.pid).reduce((s, k) => s + cpuMs(k), 0);

async function benchPeer() {
  // run-peer.sh installs MeshCentral (once) and writes its loopback-only config.json.
  const r = spawnSync('bash', [join(shared, 'run-peer.sh')], { env: { ...process.env, MC_DIR }, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error('run-peer.sh failed');
  spawnSync('bash', [join(shared, 'stop-peer.sh')], { env: { ...process.env, MC_DIR }, stdio: 'ignore' });
  const dataDir = join(MC_DIR, 'meshcentral-data');
  const cfgBackup = join(MC_DIR, 'config.json.bench');
  cpSync(join(dataDir, 'config.json'), cfgBackup);
  const first = [], restart = [], cpuFirst = [], cpuRestart = [];
  let last;
  for (let i = 0; i < ROUNDS; i++) {
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir, { recursive: true });
    cpSync(cfgBackup, join(dataDir, 'config.json'));
    const a = await mcOnce();
    first.push(a.ms);
    cpuFirst.push(a.cpu);
    await sleep(2000); // let it finish writing its certificates before stopping
    await stopMc(a.child);
    const b = await mcOnce();
    restart.push(b.ms);
    cpuRestart.push(b.cpu);
    if (i < ROUNDS - 1) await stopMc(b.child);
    else last = b.child;
  }
  return { first, restart, cpuFirst, cpuRestart, idle: last };
}

async function stopMc(child) {
  const kids = childPids(child.pid);
  await stop(child);
  for (const k of kids) { try { process.kill(k, 'SIGTERM'); } catch { /* gone */ } }
  await sleep(500);
}

const mcRss = (child) => rssMb(child.pid) + childPids(child.pid).reduce((s, k) => s + rssMb(k), 0);

const cpu = (xs) => `${median(xs).toFixed(0)} ms`;
const fmt = (xs) => `${median(xs).toFixed(0)} ms (n=${xs.length}, min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)})`;

console.log(`# server-start benchmark — ${new Date().toISOString()} — ${machine()}`);
if (!existsSync(cli)) throw new Error(`${cli} missing: run npm install first`);
const mwLoads = await loadsFrom(cli);
console.log(`Meshwork loads from: ${mwLoads}`);
const mw = await benchMeshwork();
let mc = null;
if (!values['no-peer']) mc = await benchPeer();
console.log(`idle wait ${IDLE_S} s ...`);
await sleep(IDLE_S * 1000);
const mwRss = rssMb(mw.idle.pid);
const peerRss = mc ? mcRss(mc.idle) : NaN;
await stop(mw.idle);
rmSync(mw.dataDir, { recursive: true, force: true });
if (mc) await stopMc(mc.idle);

const rows = [
  ['first start → HTTPS', fmt(mw.first), mc ? fmt(mc.first) : '-', mc ? (median(mc.first) / median(mw.first)).toFixed(1) + '×' : '-'],
  ['restart → HTTPS', fmt(mw.restart), mc ? fmt(mc.restart) : '-', mc ? (median(mc.restart) / median(mw.restart)).toFixed(1) + '×' : '-'],
  ['CPU time to first answer, first start', cpu(mw.cpuFirst), mc ? cpu(mc.cpuFirst) : '-', mc ? (median(mc.cpuFirst) / median(mw.cpuFirst)).toFixed(1) + '×' : '-'],
  ['CPU time to first answer, restart', cpu(mw.cpuRestart), mc ? cpu(mc.cpuRestart) : '-', mc ? (median(mc.cpuRestart) / median(mw.cpuRestart)).toFixed(1) + '×' : '-'],
  [`idle RSS after ${IDLE_S} s`, `${mwRss.toFixed(1)} MB`, mc ? `${peerRss.toFixed(1)} MB (launcher + server)` : '-', mc ? (peerRss / mwRss).toFixed(1) + '×' : '-'],
];
console.log('\n| measure | Meshwork | MeshCentral 1.1.55 | MeshCentral / Meshwork |\n| --- | --- | --- | --- |');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
const result = {
  date: new Date().toISOString(),
  machine: machine(),
  meshwork: { loadsFrom: mwLoads, first: mw.first, restart: mw.restart, cpuFirst: mw.cpuFirst, cpuRestart: mw.cpuRestart, idleRssMb: mwRss },
  meshcentral: mc ? { first: mc.first, restart: mc.restart, cpuFirst: mc.cpuFirst, cpuRestart: mc.cpuRestart, idleRssMb: peerRss } : null,
};
mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
writeFileSync(join(import.meta.dirname, 'results', 'latest.json'), JSON.stringify(result, null, 2));
