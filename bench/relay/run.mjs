#!/usr/bin/env node
// Relay benchmark, one run, real processes on 127.0.0.1 (see README.md):
//   1. file download through the relay (agent → server → client, files protocol, SHA-256 on both
//      ends) vs the same file over one raw TLS socket between two processes (with and without hashing)
//   2. upload through the relay
//   3. peak RSS of the server and the agent while each transfer runs (sampled every 20 ms)
//   4. terminal keystroke round trip: a byte typed into `cat` in a raw pty and its echo, median of N
// Usage: node bench/relay/run.mjs [--mib 1024] [--keys 300] [--rounds 3]
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, closeSync, ftruncateSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { machine, median, rssMb, sleep, start, stop } from '../lib/proc.mjs';

const { values } = parseArgs({ options: { mib: { type: 'string', default: '1024' }, keys: { type: 'string', default: '300' }, rounds: { type: 'string', default: '3' } } });
const MIB = Number(values.mib);
const KEYS = Number(values.keys);
const ROUNDS = Number(values.rounds);
const repo = resolve(import.meta.dirname, '..', '..');
const cli = join(repo, 'packages', 'cli', 'dist', 'main.js');
const agentMain = join(repo, 'packages', 'agent', 'dist', 'main.js');
const { default: WebSocket } = await import(join(repo, 'node_modules', 'ws', 'index.js'));
const { createClient, FilesClient, openRelay } = await import(join(repo, 'packages', 'client', 'dist', 'index.js'));
const { httpsTransport } = await import(join(repo, 'packages', 'cli', 'dist', 'index.js'));

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
const server = start(process.execPath, [cli, 'server', 'start', '--port', '0', '--data', data, '--log-level', 'info'], { env });
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
const agent = start(process.execPath, [agentMain, 'run', '--state', join(work, 'agent'), '--install', join(work, 'install.json'), '--key-provider', 'file', '--log-level', 'warn'], { env: { ...env, MESHWORK_AGENT_BACKOFF_SCALE: '0.01' } });
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

let lastCpu = null;
async function relayDownload() {
  const { socket: s } = await openRelay(client, device.id, { protocol: 'files' }, socket);
  const files = new FilesClient(s, hasher);
  s.resume?.();
  const stopSampling = sampler({ server: server.pid, agent: agent.pid });
  const cpu0 = { server: cpuMs(server.pid), agent: cpuMs(agent.pid), client: selfCpuMs() };
  const t0 = performance.now();
  const r = await files.download(big, async () => undefined);
  const ms = performance.now() - t0;
  const peak = stopSampling();
  const cpu = { server: cpuMs(server.pid) - cpu0.server, agent: cpuMs(agent.pid) - cpu0.agent, client: selfCpuMs() - cpu0.client };
  lastCpu = Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, v / MIB]));
  files.close();
  if (r.size !== bytes) throw new Error(`got ${r.size} bytes`);
  return { ms, peak };
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

/** The same file over one TLS connection from another process (the server's TLS key and certificate). */
let rawCpu = null;
async function rawTls(hash) {
  const sender = join(work, 'raw-sender.mjs');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(sender, `
    import { createServer } from 'node:tls'; import { createReadStream, readFileSync } from 'node:fs'; import { createHash } from 'node:crypto';
    const s = createServer({ key: readFileSync(process.argv[2]), cert: readFileSync(process.argv[3]) }, (sock) => {
      const h = createHash('sha256'); const rs = createReadStream(process.argv[4], { highWaterMark: 64 * 1024 });
      if (process.argv[5] === 'hash') rs.on('data', (c) => h.update(c));
      rs.pipe(sock); rs.on('end', () => { if (process.argv[5] === 'hash') h.digest('hex'); });
    });
    s.listen(0, '127.0.0.1', () => console.log(s.address().port));`);
  const child = spawn(process.execPath, [sender, join(data, 'tls', 'https.key'), join(data, 'tls', 'https.crt'), big, hash ? 'hash' : 'plain'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const rawPort = await new Promise((r) => child.stdout.once('data', (d) => r(Number(String(d).trim()))));
  const { connect } = await import('node:tls');
  const self0 = selfCpuMs();
  const t0 = performance.now();
  await new Promise((res, rej) => {
    const h = createHash('sha256');
    let n = 0;
    const sock = connect({ host: '127.0.0.1', port: rawPort, ca, servername: 'localhost' });
    sock.on('data', (c) => { n += c.length; if (hash) h.update(c); });
    sock.on('end', () => (n === bytes ? res() : rej(new Error(`raw got ${n}`))));
    sock.on('error', rej);
  });
  const ms = performance.now() - t0;
  rawCpu = { sender: cpuMs(child.pid) / MIB, receiver: (selfCpuMs() - self0) / MIB };
  await stop(child);
  return ms;
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
const rows = [];
const down = [];
const raw = [];
const rawHashed = [];
let peakDown = { server: 0, agent: 0 };
for (let i = 0; i < ROUNDS; i++) {
  raw.push(await rawTls(false));
  rawHashed.push(await rawTls(true));
  const d = await relayDownload();
  down.push(d.ms);
  peakDown = { server: Math.max(peakDown.server, d.peak.server), agent: Math.max(peakDown.agent, d.peak.agent) };
}
const up = await relayUpload();
const keys = await keystrokes();
const mbps = (ms) => (bytes / 1024 / 1024 / (ms / 1000)).toFixed(0);
rows.push(['raw TLS socket, no hashing', `${mbps(median(raw))} MiB/s`, '']);
rows.push(['raw TLS socket, SHA-256 on both ends', `${mbps(median(rawHashed))} MiB/s`, `CPU per MiB (sender / receiver) ${rawCpu.sender.toFixed(1)} / ${rawCpu.receiver.toFixed(1)} ms`]);
rows.push(['relay download (files protocol)', `${mbps(median(down))} MiB/s`, `${((median(raw) / median(down)) * 100).toFixed(0)} % of raw, ${((median(rawHashed) / median(down)) * 100).toFixed(0)} % of raw+hash`]);
rows.push(['CPU per MiB downloaded (agent / server / client)', `${lastCpu.agent.toFixed(1)} / ${lastCpu.server.toFixed(1)} / ${lastCpu.client.toFixed(1)} ms`, 'last round']);
rows.push(['relay upload (files protocol, to disk)', `${mbps(up.ms)} MiB/s`, '']);
rows.push(['terminal keystroke round trip', `median ${keys.median.toFixed(2)} ms`, `p90 ${keys.p90.toFixed(2)} ms (${KEYS} keys)`]);
rows.push(['RSS idle (server / agent)', `${idle.server.toFixed(0)} / ${idle.agent.toFixed(0)} MB`, '']);
rows.push([`peak RSS during ${MIB} MiB download (server / agent)`, `${peakDown.server.toFixed(0)} / ${peakDown.agent.toFixed(0)} MB`, '']);
rows.push([`peak RSS during ${MIB} MiB upload (server / agent)`, `${up.peak.server.toFixed(0)} / ${up.peak.agent.toFixed(0)} MB`, '']);
console.log(`# relay benchmark — ${machine()} — ${MIB} MiB file, median of ${ROUNDS} rounds`);
for (const r of rows) console.log(`${r[0].padEnd(52)} ${r[1].padEnd(18)} ${r[2]}`);

transport.close();
await stop(agent);
await stop(server);
rmSync(work, { recursive: true, force: true });
