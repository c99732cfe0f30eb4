#!/usr/bin/env node
// Relay benchmark, one run, real processes on 127.0.0.1 (see README.md):
//   1. file download through the relay (agent → server → client, files protocol, SHA-256 on both
//      ends) against, in the same run, the same file and the same work (read size, SHA-256 on
//      both ends, data discarded) over (a) one raw TLS socket between two processes and (b) two
//      TLS hops through a plain forwarding process — the floor of any relay
//   2. upload through the relay
//   3. peak RSS of the server and the agent while each transfer runs (sampled every 20 ms)
//   4. terminal keystroke round trip: a byte typed into `cat` in a raw pty and its echo, median of N
// Usage: node bench/relay/run.mjs [--mib 1024] [--keys 300] [--rounds 5]
//        node bench/relay/run.mjs --profile DIR [--mib 1024]   one download, CPU profiles of all three
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, closeSync, ftruncateSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { connect as tlsConnect } from 'node:tls';
import { parseArgs } from 'node:util';
import { machine, median, rssMb, sleep, start, stop } from '../lib/proc.mjs';

const { values } = parseArgs({
  options: { mib: { type: 'string', default: '1024' }, keys: { type: 'string', default: '300' }, rounds: { type: 'string', default: '5' }, profile: { type: 'string' }, 'relay-only': { type: 'boolean', default: false } },
});
const MIB = Number(values.mib);
const KEYS = Number(values.keys);
const ROUNDS = Number(values.rounds);
const PROFILE = values.profile ? resolve(values.profile) : null;
const repo = resolve(import.meta.dirname, '..', '..');
const cli = join(repo, 'packages', 'cli', 'dist', 'main.js');
const agentMain = join(repo, 'packages', 'agent', 'dist', 'main.js');
const { default: WebSocket } = await import(join(repo, 'node_modules', 'ws', 'index.js'));
const { createClient, FilesClient, openRelay } = await import(join(repo, 'packages', 'client', 'dist', 'index.js'));
const { httpsTransport } = await import(join(repo, 'packages', 'cli', 'dist', 'index.js'));
/** The agent's file read size: the baselines read the same way. */
const { DOWNLOAD_READ_BYTES } = await import(join(repo, 'packages', 'agent', 'dist', 'files', 'download.js'));
const profiled = PROFILE ? (mkdirSync(PROFILE, { recursive: true }), ['--cpu-prof', `--cpu-prof-dir=${PROFILE}`, '--cpu-prof-interval=200']) : [];
if (process.env.BENCH_CHILD_FLAGS) profiled.push(...process.env.BENCH_CHILD_FLAGS.split(' '));

const work = mkdtempSync(join(tmpdir(), 'mw-bench-relay-'));
const data = join(work, 'data');
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MESHWORK_')));
const cliRun = (args, input = '') => {
  const r = spawnSync(process.execPath, [cli, ...args], { input, encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`meshwork ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
};
const hasher = () => {
  const h = createHash('sha256');
  return { update: (b) => void h.update(b), digestHex: () => h.digest('hex') };
};

/** CPU time (user + system, ms) a process has used so far. */
function cpuMs(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
}
const selfCpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

/** Samples the RSS (MB) of some pids every 20 ms until stopped; returns the peaks. */
function sampler(pids) {
  const peak = Object.fromEntries(Object.keys(pids).map((k) => [k, 0]));
  const t = setInterval(() => {
    for (const [k, pid] of Object.entries(pids)) {
      try { peak[k] = Math.max(peak[k], rssMb(pid)); } catch { /* gone */ }
    }
  }, 20);
  return () => (clearInterval(t), peak);
}

// ---------------------------------------------------------------- setup
cliRun(['user', 'add', 'bench', '--admin', '--data', data], 'bench password 1234\n');
const token = cliRun(['token', 'create', 'bench', '--data', data]);
cliRun(['group', 'add', 'bench', '--data', data]);
const children = [];
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});
const server = start(process.execPath, [...profiled, cli, 'server', 'start', '--port', '0', '--data', data, '--log-level', 'info'], { env });
children.push(server);
let port = 0;
for (let i = 0; i < 600 && !port; i++) {
  await sleep(50);
  const line = server.output().split('\n').find((l) => l.includes('"msg":"listening"'));
  port = line ? Number(JSON.parse(line).port) : 0;
}
if (!port) throw new Error(`server did not start:\n${server.output()}`);
const url = `https://127.0.0.1:${port}`;
cliRun(['group', 'install-file', 'bench', '--out', join(work, 'install.json'), '--data', data]);
const agent = start(process.execPath, [...profiled, agentMain, 'run', '--state', join(work, 'agent'), '--install', join(work, 'install.json'), '--key-provider', 'file', '--log-level', 'warn'], { env: { ...env, MESHWORK_AGENT_BACKOFF_SCALE: '0.01' } });
children.push(agent);
const ca = readFileSync(join(data, 'tls', 'ca.crt'), 'utf8');
const transport = httpsTransport({ ca });
const client = createClient({ baseUrl: url, token, fetch: transport.fetch });
let device;
for (let i = 0; i < 300 && !device; i++) {
  await sleep(100);
  device = (await client.devices.list()).find((d) => d.online);
}
if (!device) throw new Error(`the agent did not come online:\n${agent.output()}`);
const socket = (u) => new WebSocket(u, { ca, headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false, maxPayload: 1 << 20 });

// A sparse file: reads come from the page cache, so disks do not decide the figures.
const remoteDir = join(work, 'remote');
mkdirSync(remoteDir);
const big = join(remoteDir, 'big.bin');
const fd = openSync(big, 'w');
ftruncateSync(fd, MIB * 1024 * 1024);
closeSync(fd);
const bytes = MIB * 1024 * 1024;

const idle = { server: rssMb(server.pid), agent: rssMb(agent.pid) };

/** One download through the relay, into a sink that discards (like the baselines' receiver). */
async function relayDownload() {
  const { socket: s } = await openRelay(client, device.id, { protocol: 'files' }, socket);
  const files = new FilesClient(s, hasher);
  s.resume?.();
  const stopSampling = sampler({ server: server.pid, agent: agent.pid });
  let size = 0;
  const r = await timed({ agent: agent.pid, server: server.pid }, async () => void (size = (await files.download(big, async () => undefined)).size));
  const peak = stopSampling();
  files.close();
  if (size !== bytes) throw new Error(`got ${size} bytes`);
  return { ...r, peak };
}

async function relayUpload() {
  const { createReadStream } = await import('node:fs');
  const { socket: s } = await openRelay(client, device.id, { protocol: 'files' }, socket);
  const files = new FilesClient(s, hasher);
  s.resume?.();
  const stopSampling = sampler({ server: server.pid, agent: agent.pid });
  const t0 = performance.now();
  await files.upload(join(remoteDir, 'up.bin'), createReadStream(big, { highWaterMark: 64 * 1024 }), bytes, true);
  const ms = performance.now() - t0;
  const peak = stopSampling();
  files.close();
  rmSync(join(remoteDir, 'up.bin'), { force: true });
  return { ms, peak };
}

/** Runs `fn` while the CPU time of `pids` (and this process) is counted; returns ms and CPU ms per MiB. */
async function timed(pids, fn) {
  const cpu0 = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuMs(pid)]));
  const self0 = selfCpuMs();
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  const cpu = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, (cpuMs(pid) - cpu0[k]) / MIB]));
  return { ms, cpu: { ...cpu, receiver: (selfCpuMs() - self0) / MIB } };
}

/** Receives the whole file over TLS from 127.0.0.1:port in this process (SHA-256 when `hash`). */
function receive(port, hash) {
  return new Promise((res, rej) => {
    const h = createHash('sha256');
    let n = 0;
    const sock = tlsConnect({ host: '127.0.0.1', port, ca, servername: 'localhost' });
    sock.on('data', (c) => { n += c.length; if (hash) h.update(c); });
    sock.on('end', () => (n === bytes ? (hash && h.digest('hex'), res()) : rej(new Error(`baseline got ${n}`))));
    sock.on('error', rej);
  });
}

const baseline = join(import.meta.dirname, 'baseline.mjs');
async function spawnBaseline(args) {
  const child = spawn(process.execPath, [baseline, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const p = await new Promise((r) => child.stdout.once('data', (d) => r(Number(String(d).trim()))));
  return { child, port: p };
}
const tlsFiles = [join(data, 'tls', 'https.key'), join(data, 'tls', 'https.crt')];

/** The file over one TLS connection from another process (the server's key and certificate). */
async function rawTls(hash) {
  const sender = await spawnBaseline(['send', ...tlsFiles, big, String(DOWNLOAD_READ_BYTES), hash ? 'hash' : 'plain']);
  const r = await timed({ sender: sender.child.pid }, () => receive(sender.port, hash));
  await stop(sender.child);
  return r;
}

/** The same, through a third process that terminates TLS and re-encrypts: the floor of any relay. */
async function forwardedTls() {
  const sender = await spawnBaseline(['send', ...tlsFiles, big, String(DOWNLOAD_READ_BYTES), 'hash']);
  const fwd = await spawnBaseline(['forward', ...tlsFiles, String(sender.port), join(data, 'tls', 'ca.crt')]);
  const r = await timed({ sender: sender.child.pid, forwarder: fwd.child.pid }, () => receive(fwd.port, true));
  await stop(fwd.child);
  await stop(sender.child);
  return r;
}

async function keystrokes() {
  const { socket: s } = await openRelay(client, device.id, { protocol: 'terminal', cols: 80, rows: 24, term: 'xterm' }, socket);
  let got = '';
  let waiter = null;
  s.addEventListener('message', (ev) => {
    if (typeof ev.data === 'string') return;
    got += Buffer.from(ev.data).toString('latin1');
    waiter?.();
  });
  s.resume?.();
  const until = async (re) => { while (!re.test(got)) await new Promise((r) => { waiter = r; setTimeout(r, 50); }); };
  s.send(Buffer.from('stty raw -echo; echo READY; exec cat\n'));
  await until(/READY\r?\n/);
  await sleep(200);
  got = '';
  const rtts = [];
  for (let i = 0; i < KEYS; i++) {
    const ch = String.fromCharCode(97 + (i % 26));
    const before = got.length;
    const t0 = performance.now();
    s.send(Buffer.from(ch));
    while (got.length === before) await new Promise((r) => { waiter = r; });
    rtts.push(performance.now() - t0);
  }
  s.close(1000);
  return { median: median(rtts), p90: [...rtts].sort((a, b) => a - b)[Math.floor(rtts.length * 0.9)] };
}

// ---------------------------------------------------------------- run
const mbps = (ms) => bytes / 1024 / 1024 / (ms / 1000);
const cpuText = (cpu) => `${Object.entries(cpu).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(' / ')} = ${Object.values(cpu).reduce((a, b) => a + b, 0).toFixed(2)}`;

if (PROFILE) {
  // One relay download with the server and agent already under --cpu-prof, and this process (the
  // client) profiled through the inspector; the profiles are written when the processes stop.
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  const d = await relayDownload();
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(join(PROFILE, `client-${process.pid}.cpuprofile`), JSON.stringify(profile));
  console.log(`relay download ${mbps(d.ms).toFixed(0)} MiB/s, CPU ms per MiB: ${cpuText(d.cpu)}; profiles in ${PROFILE}`);
} else if (values['relay-only']) {
  // Quick comparisons between two versions of the relay code: relay downloads only.
  for (let i = 0; i < ROUNDS; i++) {
    const d = await relayDownload();
    console.log(`relay download ${mbps(d.ms).toFixed(0)} MiB/s, CPU ms/MiB: ${cpuText(d.cpu)}, peak RSS server ${d.peak.server.toFixed(0)} / agent ${d.peak.agent.toFixed(0)} MB`);
  }
} else {
  const runs = { raw: [], rawHashed: [], forwarded: [], relay: [] };
  let peakDown = { server: 0, agent: 0 };
  for (let i = 0; i < ROUNDS; i++) {
    runs.raw.push(await rawTls(false));
    runs.rawHashed.push(await rawTls(true));
    runs.forwarded.push(await forwardedTls());
    const d = await relayDownload();
    runs.relay.push(d);
    peakDown = { server: Math.max(peakDown.server, d.peak.server), agent: Math.max(peakDown.agent, d.peak.agent) };
  }
  const up = await relayUpload();
  const keys = await keystrokes();
  /** The round with the median time; its speed, its CPU figures. */
  const mid = (xs) => [...xs].sort((x, y) => x.ms - y.ms)[Math.floor(xs.length / 2)];
  const m = Object.fromEntries(Object.entries(runs).map(([k, xs]) => [k, mid(xs)]));
  const pct = (base) => `${((m[base].ms / m.relay.ms) * 100).toFixed(0)} %`;
  const rows = [
    ['raw TLS, 1 hop, no hashing', `${mbps(m.raw.ms).toFixed(0)} MiB/s`, `CPU ms/MiB: ${cpuText(m.raw.cpu)}`],
    ['raw TLS, 1 hop, SHA-256 both ends', `${mbps(m.rawHashed.ms).toFixed(0)} MiB/s`, `CPU ms/MiB: ${cpuText(m.rawHashed.cpu)}`],
    ['TLS forwarder, 2 hops, SHA-256 both ends', `${mbps(m.forwarded.ms).toFixed(0)} MiB/s`, `CPU ms/MiB: ${cpuText(m.forwarded.cpu)}`],
    ['relay download (files protocol)', `${mbps(m.relay.ms).toFixed(0)} MiB/s`, `CPU ms/MiB: ${cpuText(m.relay.cpu)} (client = receiver)`],
    ['  relay as a share of each baseline', '', `raw ${pct('raw')}, raw+hash ${pct('rawHashed')}, forwarder ${pct('forwarded')}`],
    ['  every round (MiB/s)', '', Object.entries(runs).map(([k, xs]) => `${k} ${xs.map((x) => mbps(x.ms).toFixed(0)).join(',')}`).join('; ')],
    ['relay upload (files protocol, to disk)', `${mbps(up.ms).toFixed(0)} MiB/s`, ''],
    ['terminal keystroke round trip', `median ${keys.median.toFixed(2)} ms`, `p90 ${keys.p90.toFixed(2)} ms (${KEYS} keys)`],
    ['RSS idle (server / agent)', `${idle.server.toFixed(0)} / ${idle.agent.toFixed(0)} MB`, ''],
    [`peak RSS during ${MIB} MiB download (server / agent)`, `${peakDown.server.toFixed(0)} / ${peakDown.agent.toFixed(0)} MB`, ''],
    [`peak RSS during ${MIB} MiB upload (server / agent)`, `${up.peak.server.toFixed(0)} / ${up.peak.agent.toFixed(0)} MB`, ''],
  ];
  console.log(`# relay benchmark — ${machine()} — ${MIB} MiB file, median of ${ROUNDS} rounds — load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  for (const r of rows) console.log(`${r[0].padEnd(52)} ${r[1].padEnd(18)} ${r[2]}`);
}

transport.close();
await stop(agent);
await stop(server);
if (PROFILE) for (const [k, c] of Object.entries({ server, agent })) writeFileSync(join(PROFILE, `${k}.log`), c.output());
rmSync(work, { recursive: true, force: true });
