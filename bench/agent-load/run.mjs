#!/usr/bin/env node
// Agent load benchmark: N simulated agents (real TLS, real handshakes, see gen.mjs) against the
// real server (`meshwork server start`, default config) with W workers. Measures the connect rate,
// server CPU per handshake, server RSS per agent and, with --restart, the time until all N are
// back after the server is stopped (SIGTERM) and started again. See README.md.
//
// Usage: node bench/agent-load/run.mjs [--agents 2000] [--workers 1[,3]] [--procs P] [--restart]
//        [--window 100] [--backoff-scale 1] [--server-config JSON] [--max-minutes 30] [--data-base DIR] [--keep]
//        [--report-kb K [--report-whole]]   each agent sends a K KB software report after its first welcome
import { fork, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { machine, sleep } from '../lib/proc.mjs';
import { ensureIdentities, CACHE } from './identities.mjs';
import { measureFloor } from './floor.mjs';
import { procStats, startServer, stopServer } from './server.mjs';

const { values } = parseArgs({
  options: {
    agents: { type: 'string', default: '2000' },
    workers: { type: 'string', default: '1' },
    procs: { type: 'string' },
    restart: { type: 'boolean', default: false },
    window: { type: 'string', default: '100' },
    'backoff-scale': { type: 'string', default: '1' },
    'max-minutes': { type: 'string', default: '30' },
    'server-config': { type: 'string' },
    keep: { type: 'boolean', default: false },
    'data-base': { type: 'string' },
    hold: { type: 'string', default: '0' },
    floor: { type: 'boolean', default: false },
    'report-kb': { type: 'string', default: '0' },
    'report-whole': { type: 'boolean', default: false },
  },
});
const N = Number(values.agents);
const WORKERS = values.workers.split(',').map(Number);
const PROCS = values.procs ? Number(values.procs) : Math.max(1, Math.ceil(N / 12_500));
const WINDOW = Number(values.window);
const BACKOFF_SCALE = Number(values['backoff-scale']);
const REPORT_KB = Number(values['report-kb']);
const MAX_MINUTES = Number(values['max-minutes']);
const deadline = Date.now() + MAX_MINUTES * 60_000;
const repo = resolve(import.meta.dirname, '..', '..');
const cli = join(repo, 'packages', 'cli', 'dist', 'main.js');
const log = (...a) => console.error(`[agent-load ${new Date().toISOString().slice(11, 19)}]`, ...a);

if (!(N >= 1 && PROCS >= 1 && WORKERS.every((w) => w >= 1) && WINDOW >= 1 && BACKOFF_SCALE > 0 && REPORT_KB >= 0 && REPORT_KB <= 2000)) throw new Error('bad options');
if (N / PROCS > 15_000) throw new Error(`${N / PROCS} agents per generator process: use --procs ≥ ${Math.ceil(N / 15_000)} (fd limit 20,000 per process)`);
for (const w of WORKERS) if (N / w > 19_000) log(`warning: ${N} agents on ${w} worker(s) is more than one process can hold (< 20,000 sockets); expect refusals`);

let progress = null;
/** Waits until `cond()` or throws after `ms` (every wait is bounded); logs progress every 10 s. */
async function until(cond, ms, what) {
  const end = Math.min(Date.now() + ms, deadline);
  let next = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    if (progress && Date.now() > next) {
      next += 10_000;
      log(`  ${what}: ${progress()}`);
    }
    await sleep(50);
  }
}

function startGenerators(url, serverId, enrolmentKey) {
  const gens = [];
  const per = Math.ceil(N / PROCS);
  for (let i = 0; i < PROCS; i++) {
    const from = i * per;
    const to = Math.min(N, from + per);
    const env = { ...process.env, MW_LOAD_GEN: JSON.stringify({ url, serverId, enrolmentKey, localAddress: `127.0.0.${2 + i}`, from, to, window: WINDOW, backoffScale: BACKOFF_SCALE, maxMinutes: MAX_MINUTES, reportKb: REPORT_KB, reportWhole: values['report-whole'] }) };
    const execArgv = (process.env.MW_LOAD_GEN_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const child = fork(join(import.meta.dirname, 'gen.mjs'), [], { env, execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const g = { child, ready: false, stats: null, epochAck: false };
    child.on('message', (m) => {
      if (m.type === 'ready') g.ready = true;
      else if (m.type === 'progress') g.stats = m.stats;
      else if (m.type === 'epoch') g.epochAck = true;
    });
    gens.push(g);
    children.add(child);
  }
  return gens;
}

const sum = (gens, k) => gens.reduce((n, g) => n + (g.stats?.[k] ?? 0), 0);
const refusals = (gens) => {
  const out = {};
  for (const g of gens) for (const [k, v] of Object.entries(g.stats?.refused ?? {})) out[k] = (out[k] ?? 0) + v;
  return out;
};

/** Polls the server's CPU until it is quiet (queued store work after `welcome` done); bounded. */
async function quiet(pids, maxMs = 60_000) {
  const end = Date.now() + maxMs;
  let prev = procStats(pids).cpuMs;
  for (;;) {
    await sleep(1_000);
    const now = procStats(pids).cpuMs;
    if (now - prev < 30 || Date.now() > end) return;
    prev = now;
  }
}

// Ctrl-C: take the server and the generators down with us.
const children = new Set();
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const c of children) c.kill('SIGTERM');
    process.exit(130);
  });
}

async function runOne(workers) {
  // --data-base /dev/shm puts the server's store on tmpfs: fsync becomes free (a ceiling, not a setup to run).
  const dataDir = mkdtempSync(join(values['data-base'] ?? tmpdir(), 'mw-agent-load-'));
  const r = { agents: N, workers, procs: PROCS };
  // --server-config '{"agentHandshakeRate":100,…}': written as DATA/config.json (default: none, the server's defaults).
  if (values['server-config']) writeFileSync(join(dataDir, 'config.json'), JSON.stringify(JSON.parse(values['server-config'])));
  let server = await startServer(cli, dataDir, workers, 0);
  children.add(server.child);
  const { port } = server;
  const local = (args) => {
    const p = spawnSync(process.execPath, [cli, '--data', dataDir, '--json', ...args], { encoding: 'utf8' });
    if (p.status !== 0) throw new Error(`meshwork ${args.join(' ')}: ${p.stderr}`);
    return JSON.parse(p.stdout);
  };
  local(['group', 'add', 'agent-load']);
  const install = local(['group', 'install-file', 'agent-load']);
  const url = install.serverUrls[0].replace(/^https:/, 'wss:');
  await sleep(1_000);
  const idle = procStats(server.pids());
  r.serverIdleRssMb = idle.rssKb / 1024;

  const gens = startGenerators(url, install.serverId, install.enrolmentKey);
  progress = () => {
    const merge = (k) => {
      const out = {};
      for (const g of gens) for (const [c, v] of Object.entries(g.stats?.[k] ?? {})) out[c] = (out[c] ?? 0) + v;
      return JSON.stringify(out);
    };
    return `online ${sum(gens, 'online')}, back ${sum(gens, 'back')}, attempts ${sum(gens, 'attempts')}, later ${sum(gens, 'later')}, refused ${merge('refused')}, errors ${merge('errorCodes')}, session closes ${merge('closes')}`;
  };
  try {
    await until(() => gens.every((g) => g.ready), 60_000, 'generators ready');
    const genCpu0 = procStats(gens.map((g) => g.child.pid)).cpuMs;
    const before0 = procStats(server.pids());
    const cpu0 = before0.cpuMs;
    const t0 = performance.now();
    for (const g of gens) g.child.send({ cmd: 'connect' });
    await until(() => sum(gens, 'online') >= N, 60_000 + N * 60, `${N} agents online`);
    r.connectS = (performance.now() - t0) / 1000;
    r.connectRate = N / r.connectS;
    if (REPORT_KB > 0) {
      // --report-kb: every agent's software report is through (whole: written; parts: all acknowledged).
      await until(() => sum(gens, 'reported') >= N, 60_000 + N * 60, `${N} software reports`);
      r.reportS = (performance.now() - t0) / 1000;
      r.reportFrames = Math.max(...gens.map((g) => g.stats?.reportFrames ?? 0));
    }
    await quiet(server.pids());
    const loaded = procStats(server.pids());
    r.serverCpuMsPerHandshake = (loaded.cpuMs - cpu0) / sum(gens, 'welcomes');
    r.clientCpuMsPerHandshake = (procStats(gens.map((g) => g.child.pid)).cpuMs - genCpu0) / sum(gens, 'welcomes');
    r.serverRssMb = loaded.rssKb / 1024;
    r.serverKbPerAgent = (loaded.rssKb - idle.rssKb) / N;
    r.serverMallocKbPerAgent = (loaded.mallocKb - idle.mallocKb) / N;
    r.perProcessRssMb = loaded.perPid.map((p) => Math.round(p.rssKb / 1024));
    r.perProcessCpuS = loaded.perPid.map((p) => ((p.cpuMs - (before0.perPid.find((q) => q.pid === p.pid)?.cpuMs ?? 0)) / 1000).toFixed(1));
    r.connectRefusals = refusals(gens);
    log(`workers=${workers}: ${N} online in ${r.connectS.toFixed(1)} s; ${r.serverKbPerAgent.toFixed(1)} KB/agent`);
    // --hold S: keep everything up for S seconds (e.g. to take heap snapshots of the server:
    // MW_LOAD_SERVER_NODE_ARGS=--heapsnapshot-signal=SIGUSR2, then kill -USR2 PID).
    if (Number(values.hold) > 0) {
      log(`holding ${values.hold} s; server pids ${server.pids().join(' ')}`);
      await sleep(Number(values.hold) * 1000);
    }

    if (values.restart) {
      for (const g of gens) g.child.send({ cmd: 'epoch' });
      await until(() => gens.every((g) => g.epochAck), 10_000, 'epoch');
      const before = { later: sum(gens, 'later'), refused: refusals(gens), errors: sum(gens, 'errors') };
      const t1 = performance.now();
      r.stopS = (await stopServer(server)) / 1000;
      server = await startServer(cli, dataDir, workers, port);
      children.add(server.child);
      r.listeningS = (performance.now() - t1) / 1000;
      const cpu1 = procStats(server.pids()).cpuMs;
      const marks = {};
      const limitS = 120 + N * 0.06;
      try {
        await until(() => {
          const back = sum(gens, 'back');
          for (const p of [50, 90, 99, 100]) if (marks[p] === undefined && back >= (N * p) / 100) marks[p] = (performance.now() - t1) / 1000;
          return back >= N;
        }, limitS * 1000, `${N} agents back after the restart`);
      } catch (e) {
        // Recorded, not fatal: how many were back when the (bounded) wait ended.
        r.backAtLimit = { seconds: limitS, back: sum(gens, 'back') };
        log(`workers=${workers}: ${e.message} (${r.backAtLimit.back} of ${N} back after ${limitS} s)`);
      }
      r.backS = marks;
      await quiet(server.pids());
      r.serverCpuMsPerReconnect = (procStats(server.pids()).cpuMs - cpu1) / N;
      const after = refusals(gens);
      r.restartRefusals = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before.refused[k] ?? 0)]).filter(([, v]) => v > 0));
      r.restartLater = sum(gens, 'later') - before.later;
      r.restartSocketErrors = sum(gens, 'errors') - before.errors;
      if (marks[100] !== undefined) log(`workers=${workers}: all ${N} back ${marks[100].toFixed(1)} s after SIGTERM`);
    }
  } finally {
    // Server first: it sends the agents away and clears presence in one go (closing N sockets
    // from the client side first would make it record N offline events one by one).
    await stopServer(server);
    for (const g of gens) g.child.connected && g.child.send({ cmd: 'stop' });
    await Promise.all(gens.map((g) => new Promise((res) => (g.child.exitCode !== null ? res() : g.child.once('exit', res)))));
    if (!values.keep) rmSync(dataDir, { recursive: true, force: true });
  }
  return r;
}

const f1 = (x) => (x === undefined ? '–' : x.toFixed(1));
const f2 = (x) => (x === undefined ? '–' : x.toFixed(2));
function table(results) {
  const rows = [
    ['agents (generator processes)', (r) => `${r.agents} (${r.procs})`],
    ['all online after first connect (enrolment)', (r) => `${f1(r.connectS)} s`],
    ['connect rate', (r) => `${Math.round(r.connectRate)} handshakes/s`],
    ['server CPU per handshake (enrolment + online)', (r) => `${f2(r.serverCpuMsPerHandshake)} ms`],
    ['server CPU seconds, primary + workers', (r) => r.perProcessCpuS.join(' + ')],
    ['generator CPU per handshake (client side)', (r) => `${f2(r.clientCpuMsPerHandshake)} ms`],
    ['server RSS idle → with N agents', (r) => `${f1(r.serverIdleRssMb)} → ${f1(r.serverRssMb)} MB (${r.perProcessRssMb.join(' + ')})`],
    ['server RSS per agent', (r) => `${f1(r.serverKbPerAgent)} KB`],
    ['… of which native (malloc arena: TLS, SQLite)', (r) => `${f1(r.serverMallocKbPerAgent)} KB`],
    ['refusals during first connect', (r) => JSON.stringify(r.connectRefusals)],
  ];
  if (REPORT_KB > 0) {
    rows.splice(2, 0, [`software report of ${REPORT_KB} KB per agent: all through after`, (r) => `${f1(r.reportS)} s (${r.reportFrames === 1 ? 'one frame' : `${r.reportFrames} acknowledged parts`})`]);
  }
  if (values.restart) {
    rows.push(
      ['restart: old server stopped / new one listening', (r) => `${f1(r.stopS)} s / ${f1(r.listeningS)} s`],
      ['restart: 50 % / 90 % / 99 % back', (r) => `${f1(r.backS?.[50])} / ${f1(r.backS?.[90])} / ${f1(r.backS?.[99])} s`],
      ['restart: all N back (from SIGTERM)', (r) => (r.backAtLimit ? `not within ${r.backAtLimit.seconds} s (${r.backAtLimit.back} back)` : `**${f1(r.backS?.[100])} s**`)],
      ['restart: server CPU per reconnect', (r) => `${f2(r.serverCpuMsPerReconnect)} ms`],
      ['restart: `later` / refusals / socket errors seen', (r) => `${r.restartLater} / ${JSON.stringify(r.restartRefusals)} / ${r.restartSocketErrors}`],
    );
  }
  if (floor) {
    rows.push(
      ['floor: bare HTTPS + ws server, N idle connections, RSS each', () => `${f1(floor.kbPerConnection)} KB (native ${f1(floor.mallocKbPerConnection)} KB; ${f1(floor.kbPerConnectionAfterGc)} KB after a forced GC)`],
      ['server RSS per agent ÷ floor', (r) => `${f2(r.serverKbPerAgent / floor.kbPerConnection)}×`],
    );
  }
  const head = `| | ${results.map((r) => `workers=${r.workers}`).join(' | ')} |\n|---|${results.map(() => '---').join('|')}|`;
  return [head, ...rows.map(([name, f]) => `| ${name} | ${results.map(f).join(' | ')} |`)].join('\n');
}

const made = await ensureIdentities(N);
if (made > 0) log(`generated ${made} agent identities (cached in ${CACHE})`);
// --floor: the same N idle TLS + WebSocket connections to a bare Node server first (floor.mjs).
let floor = null;
if (values.floor) {
  floor = await measureFloor(N);
  log(`floor: ${JSON.stringify(floor)}`);
}
const results = [];
for (const w of WORKERS) {
  results.push(await runOne(w));
  log(`result: ${JSON.stringify(results.at(-1))}`);
}
const cmd = `node bench/agent-load/run.mjs ${process.argv.slice(2).join(' ')}`.trim();
console.log(`\n${new Date().toISOString().slice(0, 10)} — ${machine()}\n\`${cmd}\`\n\n${table(results)}\n`);
mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
writeFileSync(join(import.meta.dirname, 'results', 'latest.json'), JSON.stringify({ date: new Date().toISOString(), machine: machine(), command: cmd, floor, results }, null, 2));
