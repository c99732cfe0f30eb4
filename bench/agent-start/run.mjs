#!/usr/bin/env node
// Agent start benchmark: meshwork-agent vs the real MeshAgent (../shared/peer), side by side in one run.
//   first start (new identity: key + certificate, enrolment) → the server reports the device online
//   restart (identity exists)                                 → online
//   agent idle RSS while connected, then sampled over a long disconnected period (server stopped)
// "Online as seen by the server": Meshwork's event stream `device.online` event; MeshCentral's
// control.ashx `nodeconnect` event (../shared/peer/tools/watch-events.js). Both stamped with Date.now().
// Usage: node bench/agent-start/run.mjs [--rounds N] [--idle-seconds S] [--offline-seconds S] [--no-peer] [--tpm]
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { machine, median, rssMb, sleep, start, stop } from '../lib/proc.mjs';

const { values } = parseArgs({ options: {
  rounds: { type: 'string', default: '5' }, 'idle-seconds': { type: 'string', default: '30' },
  'offline-seconds': { type: 'string', default: '120' }, 'no-peer': { type: 'boolean', default: false },
  exe: { type: 'string' }, 'no-exe': { type: 'boolean', default: false },
} });
const ROUNDS = Number(values.rounds);
const IDLE_S = Number(values['idle-seconds']);
const OFFLINE_S = Number(values['offline-seconds']);
const repo = resolve(import.meta.dirname, '..', '..');
const peerDir = resolve(repo, '..', 'shared', 'peer');
const cli = join(repo, 'packages', 'cli', 'dist', 'main.js');
const agentMain = join(repo, 'packages', 'agent', 'dist', 'main.js');
const exePath = values.exe ?? join(repo, 'dist', 'agent-packages', 'linux-x64', 'meshwork-agent');
const WITH_EXE = !values['no-exe'];
if (WITH_EXE && !existsSync(exePath)) throw new Error(`no agent executable at ${exePath}: run npm run build:agents (or pass --no-exe)`);
const PORT = 18444;
const work = mkdtempSync(join(tmpdir(), 'mw-bench-agent-'));

// ---------------------------------------------------------------- Meshwork
function cliRun(args, input) {
  const r = spawnSync(process.execPath, [cli, ...args], { input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`meshwork ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

async function startServer(dataDir) {
  const child = start(process.execPath, [cli, 'server', 'start', '--port', String(PORT), '--data', dataDir, '--log-level', 'info']);
  for (let i = 0; i < 600 && !/"msg":"listening"/.test(child.output()); i++) await sleep(50);
  if (!/"msg":"listening"/.test(child.output())) throw new Error('server did not start:\n' + child.output());
  return child;
}

/** Watches the event stream; `next(type, since)` resolves with the Date.now() of the next such event. */
async function meshworkWatcher(token) {
  const { default: WebSocket } = await import(join(repo, 'node_modules', 'ws', 'index.js'));
  const ws = new WebSocket(`wss://127.0.0.1:${PORT}/api/v1/events/stream`, { headers: { authorization: `Bearer ${token}` }, rejectUnauthorized: false });
  const waiters = [];
  ws.on('message', (m) => {
    const ts = Date.now();
    let f;
    try { f = JSON.parse(String(m)); } catch { return; }
    if (f.type !== 'event') return;
    for (const w of [...waiters]) if (w.type === f.event.type) { waiters.splice(waiters.indexOf(w), 1); w.resolve(ts); }
  });
  await new Promise((r, j) => { ws.once('open', r); ws.once('error', j); });
  return {
    next: (type, timeoutMs = 60_000) => new Promise((res, rej) => {
      const w = { type, resolve: res };
      waiters.push(w);
      setTimeout(() => rej(new Error(`no ${type} within ${timeoutMs} ms`)), timeoutMs).unref();
    }),
    close: () => ws.close(),
  };
}

/** The two ways to run meshwork-agent: from the checkout with this Node, and the self-contained executable. */
const VARIANTS = {
  checkout: (args) => start(process.execPath, [agentMain, ...args]),
  exe: (args) => start(exePath, args, { env: { PATH: '/usr/bin:/bin', HOME: work, LANG: 'C.UTF-8' } }),
};

function spawnAgent(variant, stateDir, install) {
  const args = ['run', '--state', stateDir, '--key-provider', 'file', '--log-level', 'warn'];
  if (install) args.push('--install', install);
  return VARIANTS[variant](args);
}

async function benchMeshwork() {
  const dataDir = join(work, 'mw-data');
  const server = await startServer(dataDir);
  cliRun(['user', 'add', 'bench', '--admin', '--data', dataDir], 'bench-password-1\n');
  const token = cliRun(['token', 'create', 'bench', '--data', dataDir]).split('\n').pop();
  cliRun(['group', 'add', 'bench', '--data', dataDir]);
  const install = join(work, 'install.json');
  cliRun(['group', 'install-file', 'bench', '--out', install, '--data', dataDir]);
  const watch = await meshworkWatcher(token);
  const variants = WITH_EXE ? ['checkout', 'exe'] : ['checkout'];
  const res = Object.fromEntries(variants.map((v) => [v, { first: [], restart: [], agent: null }]));
  // Interleaved: each round runs every variant once, so machine noise hits both alike.
  for (let i = 0; i < ROUNDS; i++) {
    for (const v of variants) {
      const r = res[v];
      const state = join(work, `mw-agent-${v}-${i}`);
      let online = watch.next('device.online');
      let t0 = Date.now();
      const a = spawnAgent(v, state, install);
      r.first.push((await online) - t0);
      let offline = watch.next('device.offline');
      await stop(a);
      await offline;
      online = watch.next('device.online');
      t0 = Date.now();
      const b = spawnAgent(v, state);
      r.restart.push((await online) - t0);
      if (i < ROUNDS - 1) { offline = watch.next('device.offline'); await stop(b); await offline; } else r.agent = b;
    }
  }
  return { server, watch, res };
}

// ---------------------------------------------------------------- MeshCentral peer
const MC_DIR = process.env.MC_DIR ?? join(tmpdir(), 'meshcentral-peer');
function peerEnv() {
  const env = {};
  for (const l of readFileSync(join(MC_DIR, 'peer.env'), 'utf8').split('\n')) {
    const m = /^(\w+)='(.*)'$/.exec(l);
    if (m) env[m[1]] = m[2];
  }
  return env;
}

function mcWatcher(env) {
  const child = spawn(process.execPath, [join(peerDir, 'tools', 'watch-events.js'), env.MC_URL, env.MC_USER, env.MC_PASS], { env: { ...process.env, MC_DIR } });
  const waiters = [];
  let ready;
  const isReady = new Promise((r) => (ready = r));
  createInterface({ input: child.stdout }).on('line', (line) => {
    const ts = Date.now();
    let j;
    try { j = JSON.parse(line); } catch { return; }
    if (j.ready) ready();
    if (j.action === 'nodeconnect') {
      const kind = j.conn & 1 ? 'online' : 'offline';
      for (const w of [...waiters]) if (w.kind === kind) { waiters.splice(waiters.indexOf(w), 1); w.resolve(ts); }
    }
  });
  return {
    ready: isReady,
    next: (kind, timeoutMs = 90_000) => new Promise((res, rej) => {
      waiters.push({ kind, resolve: res });
      setTimeout(() => rej(new Error(`MeshAgent not ${kind} within ${timeoutMs} ms`)), timeoutMs).unref();
    }),
    close: () => child.kill(),
  };
}

function spawnMeshAgent(dir, env, fresh) {
  mkdirSync(dir, { recursive: true });
  const bin = join(MC_DIR, 'node_modules', 'meshcentral', 'agents', 'meshagent_x86-64');
  if (!existsSync(join(dir, 'meshagent'))) copyFileSync(bin, join(dir, 'meshagent'));
  spawnSync('chmod', ['755', join(dir, 'meshagent')]);
  const msh = readFileSync(env.MC_MSH, 'latin1').replace(/^MeshServer=.*$/m, `MeshServer=${env.MC_WSS}/agent.ashx`);
  writeFileSync(join(dir, 'meshagent.msh'), msh, 'latin1');
  if (fresh) rmSync(join(dir, 'meshagent.db'), { force: true });
  return spawn(join(dir, 'meshagent'), ['run'], { cwd: dir, stdio: 'ignore', detached: true });
}

async function stopGroup(child) {
  try { process.kill(-child.pid, 'SIGTERM'); } catch { return; }
  for (let i = 0; i < 50; i++) { try { process.kill(-child.pid, 0); } catch { return; } await sleep(100); }
  try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
}

async function benchPeer() {
  const r = spawnSync('bash', [join(peerDir, 'run-peer.sh')], { env: { ...process.env, MC_DIR }, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error('run-peer.sh failed');
  const env = peerEnv();
  const watch = mcWatcher(env);
  await watch.ready;
  const first = [], restart = [];
  let last;
  for (let i = 0; i < ROUNDS; i++) {
    const dir = join(work, `mc-agent-${i}`);
    let online = watch.next('online');
    let t0 = Date.now();
    const a = spawnMeshAgent(dir, env, true);
    first.push((await online) - t0);
    await stopGroup(a);
    await sleep(1500);
    online = watch.next('online');
    t0 = Date.now();
    const b = spawnMeshAgent(dir, env, false);
    restart.push((await online) - t0);
    if (i < ROUNDS - 1) { await stopGroup(b); await sleep(1500); } else last = b;
  }
  return { watch, first, restart, agent: last };
}

// ---------------------------------------------------------------- run
const fmt = (xs) => `${median(xs).toFixed(0)} ms (n=${xs.length}, min ${Math.min(...xs)}, max ${Math.max(...xs)})`;
console.log(`# agent-start benchmark — ${new Date().toISOString()} — ${machine()}`);
/** The floor: a process that starts and exits (median of 10 wall-clock runs). */
const startFloor = (cmd, args, env) => median(Array.from({ length: 10 }, () => {
  const t0 = performance.now();
  spawnSync(cmd, args, { env, stdio: 'ignore' });
  return performance.now() - t0;
}));
const floor = { node: startFloor(process.execPath, ['-e', '0']), exeVersion: WITH_EXE ? startFloor(exePath, ['--version'], { PATH: '/usr/bin:/bin' }) : NaN };
const mw = await benchMeshwork();
const mc = values['no-peer'] ? null : await benchPeer();
console.log(`connected idle ${IDLE_S} s ...`);
await sleep(IDLE_S * 1000);
const mwx = mw.res.exe;
const mwc = mw.res.checkout;
const idle = { mw: rssMb(mwc.agent.pid), exe: mwx ? rssMb(mwx.agent.pid) : NaN, mc: mc ? rssMb(mc.agent.pid) : NaN };
// Disconnected: stop both servers, sample the agents' RSS while they retry.
mw.watch.close();
await stop(mw.server);
if (mc) { mc.watch.close(); spawnSync('bash', [join(peerDir, 'stop-peer.sh'), '--server-only'], { env: { ...process.env, MC_DIR }, stdio: 'ignore' }); }
const samples = { mw: [], exe: [], mc: [] };
for (let t = 0; t <= OFFLINE_S; t += 10) {
  samples.mw.push(rssMb(mwc.agent.pid));
  if (mwx) samples.exe.push(rssMb(mwx.agent.pid));
  if (mc) samples.mc.push(rssMb(mc.agent.pid));
  if (t < OFFLINE_S) await sleep(10_000);
}
await stop(mwc.agent);
if (mwx) await stop(mwx.agent);
if (mc) await stopGroup(mc.agent);
rmSync(work, { recursive: true, force: true });

const flat = (xs) => xs.length ? `${xs[0].toFixed(1)} → ${xs[xs.length - 1].toFixed(1)} MB (max ${Math.max(...xs).toFixed(1)})` : '-';
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) ? (a / b).toFixed(1) + '×' : '-');
const sizeMb = (p) => (Number(spawnSync('stat', ['-c', '%s', p], { encoding: 'utf8' }).stdout) / 1e6).toFixed(1) + ' MB';
const mcBin = join(MC_DIR, 'node_modules', 'meshcentral', 'agents', 'meshagent_x86-64');
const cols = (f) => [f('checkout', mwc), mwx ? f('exe', mwx) : '-', mc ? f('mc', mc) : '-'];
console.log('\n| measure | meshwork-agent (checkout, node) | meshwork-agent executable | MeshAgent (MeshCentral 1.1.55) | MeshAgent / executable |\n| --- | --- | --- | --- | --- |');
console.log(`| first start → online | ${cols((_, r) => fmt(r.first)).join(' | ')} | ${mc && mwx ? ratio(median(mc.first), median(mwx.first)) : '-'} |`);
console.log(`| restart → online | ${cols((_, r) => fmt(r.restart)).join(' | ')} | ${mc && mwx ? ratio(median(mc.restart), median(mwx.restart)) : '-'} |`);
console.log(`| idle RSS, connected ${IDLE_S} s | ${idle.mw.toFixed(1)} MB | ${mwx ? idle.exe.toFixed(1) + ' MB' : '-'} | ${mc ? idle.mc.toFixed(1) + ' MB' : '-'} | ${mc && mwx ? ratio(idle.mc, idle.exe) : '-'} |`);
console.log(`| RSS over ${OFFLINE_S} s disconnected | ${flat(samples.mw)} | ${flat(samples.exe)} | ${mc ? flat(samples.mc) : '-'} | |`);
console.log(`| floor: process start and exit | \`node -e 0\` ${floor.node.toFixed(0)} ms | \`--version\` ${Number.isFinite(floor.exeVersion) ? floor.exeVersion.toFixed(0) + ' ms' : '-'} | | |`);
console.log(`| size on disk | (checkout + Node) | ${mwx ? sizeMb(exePath) : '-'} | ${existsSync(mcBin) ? sizeMb(mcBin) : '-'} | |`);
const out = { date: new Date().toISOString(), machine: machine(), floor, meshwork: { first: mwc.first, restart: mwc.restart, idleRssMb: idle.mw, offlineRssMb: samples.mw }, executable: mwx ? { path: exePath, first: mwx.first, restart: mwx.restart, idleRssMb: idle.exe, offlineRssMb: samples.exe } : null, meshagent: mc ? { first: mc.first, restart: mc.restart, idleRssMb: idle.mc, offlineRssMb: samples.mc } : null };
mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
writeFileSync(join(import.meta.dirname, 'results', 'latest.json'), JSON.stringify(out, null, 2));
process.exit(0);
