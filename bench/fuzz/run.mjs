#!/usr/bin/env node
// Fuzz runner: a real server process on loopback, one fuzzer process per endpoint (agent socket,
// browser event stream, relay, REST) sending mutated frames over real TLS sockets, while this
// process watches for crashes (the server exits or logs a worker death), hangs (a liveness probe:
// login + API call + new agent, from another source address, every few seconds, must answer
// within a bound) and memory growth (RSS and V8 heap of the server, and a GC-settled heap every
// minute through the inspector). See README.md.
import { fork, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { agentHandshake, api, enrolmentKeyOf, inspector, login, newAgentKey, probe, request, rssMb, sleep, startServer, testInfo } from './harness.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const { values: opt } = parseArgs({
  options: {
    frames: { type: 'string', default: '1000000' },
    endpoint: { type: 'string', default: 'agent,events,relay,rest' },
    seed: { type: 'string', default: String(Date.now() % 1e9) },
    minutes: { type: 'string', default: '60' },
    'probe-every': { type: 'string', default: '3000' },
    'probe-bound': { type: 'string', default: '30000' },
    'in-process': { type: 'string', default: 'top-up' },
    out: { type: 'string', default: join(HERE, 'out') },
    workers: { type: 'string', default: '1' },
  },
});
const FRAMES = Number(opt.frames);
const SEED = Number(opt.seed);
const ENDPOINTS = opt.endpoint === 'all' ? ['agent', 'events', 'relay', 'rest'] : opt.endpoint.split(',');
const PROBE_BOUND = Number(opt['probe-bound']);
const OUT = join(opt.out, `run-${new Date().toISOString().replace(/[:.]/g, '-')}-seed${SEED}`);
mkdirSync(OUT, { recursive: true });
const log = (...a) => console.log(new Date().toISOString().slice(11, 19), ...a);
const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: HERE, encoding: 'utf8' }).stdout.trim();

// ── the server, and who is who ────────────────────────────────────────────────────────────────
const config = { agentHandshakeRate: 1e6, agentHandshakeBurst: 1e6, agentMaxPendingHandshakes: 1000, agentHoldMs: 20, agentMaxHeld: 100_000 };
const srv = await startServer({ config, args: [...(opt.workers !== '1' ? ['--workers', opt.workers] : [])], inspect: opt.workers === '1' });
log(`server pid ${srv.child.pid} on ${srv.url}, data ${srv.dir}, out ${OUT}, seed ${SEED}, commit ${commit}`);
const admin = { name: 'admin', password: randomBytes(12).toString('hex') };
const setup = await request(srv.port, 'POST', '/api/v1/setup', { body: { token: srv.setupToken, name: admin.name, password: admin.password } });
if (setup.status !== 200) throw new Error(`setup: ${setup.status} ${setup.text}`);
const adminSess = await login(srv.port, admin.name, admin.password);
const user = async (name) => {
  const password = randomBytes(12).toString('hex');
  const u = await api(srv.port, adminSess, 'POST', '/api/v1/users', { name, password, siteRights: ['admin'] });
  const t = await api(srv.port, adminSess, 'POST', '/api/v1/tokens', { name: `${name}-token`, userId: u.id });
  return { id: u.id, name, password, token: t.secret };
};
const fzRest = await user('fz-rest');
const fzEvents = await user('fz-events');
const fzRelay = await user('fz-relay');
if (!fzRest.token) throw new Error('token answer without a secret');
const events = await login(srv.port, fzEvents.name, fzEvents.password);
const fuzzGroup = await api(srv.port, adminSess, 'POST', '/api/v1/groups', { name: 'fuzz' });
const probeGroup = await api(srv.port, adminSess, 'POST', '/api/v1/groups', { name: 'probe' });
const probeKey = await enrolmentKeyOf(srv.port, adminSess, probeGroup.id);
// Objects the REST fuzzer's ids point at (never the probe's group, the admin, or its own user).
const victim = await api(srv.port, adminSess, 'POST', '/api/v1/users', { name: 'victim', password: randomBytes(12).toString('hex'), siteRights: [] });
const victimUg = await api(srv.port, adminSess, 'POST', '/api/v1/user-groups', { name: 'victims' });
const victimGroup = await api(srv.port, adminSess, 'POST', '/api/v1/groups', { name: 'victim-group' });
const enrolToken = await api(srv.port, adminSess, 'POST', `/api/v1/groups/${victimGroup.id}/enrolment-tokens`, { maxUses: 5 }).catch(() => null);
const devKey = await newAgentKey();
const dev = await agentHandshake(srv.wsUrl, devKey, testInfo({ enrolmentKey: await enrolmentKeyOf(srv.port, adminSess, victimGroup.id), hostname: 'victim-device' }));
dev.sock.ws.close();
const ids = {
  recordIds: [victim.id, victimUg.id, ...(enrolToken?.id ? [enrolToken.id] : []), 'AAAAAAAAAAAAAAAA'],
  groupIds: [victimGroup.id, 'f'.repeat(96)],
  deviceIds: [devKey.deviceId, 'e'.repeat(96)],
  commandIds: ['A'.repeat(22)],
};
const ctxBase = { url: srv.url, wsUrl: srv.wsUrl, port: srv.port, groupId: fuzzGroup.id, enrolmentKey: await enrolmentKeyOf(srv.port, adminSess, fuzzGroup.id), frames: FRAMES, minutes: Number(opt.minutes),
  events: { cookie: events.cookie, csrf: events.csrf }, token: fzRest.token, relay: { token: fzRelay.token }, rest: { token: fzRest.token, ids } };

// ── watchers: crash, hang, memory ─────────────────────────────────────────────────────────────
const t0 = Date.now();
let crashed = null;
void srv.exited.then((e) => { if (!stopping) crashed = { ...e, at: Date.now() - t0 }; });
let stopping = false;
const insp = srv.inspectorUrl() ? await inspector(srv.inspectorUrl()) : null;
const mem = { rss: [], heap: [], settled: [] };
const probes = { n: 0, failed: [], maxMs: 0, latencies: [] };
const totalSent = () => Object.values(children).reduce((s, c) => s + (c.stats?.sent ?? 0), 0);

async function sampleMemory(settle) {
  const rss = rssMb(srv.child.pid);
  if (!Number.isNaN(rss)) mem.rss.push({ t: Date.now() - t0, frames: totalSent(), mb: rss });
  if (!insp) return;
  if (settle) await insp.gc();
  const heap = (await insp.heapUsed()) / 1024 / 1024;
  (settle ? mem.settled : mem.heap).push({ t: Date.now() - t0, frames: totalSent(), mb: heap });
}

const children = {};
for (const endpoint of ENDPOINTS) {
  const child = fork(join(HERE, 'child.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children[endpoint] = { child, stats: null, done: false };
  child.on('message', async (m) => {
    if (m.type === 'stats') children[endpoint].stats = m.stats;
    if (m.type === 'done') children[endpoint].done = true;
    if (m.type === 'relogin') {
      // The event fuzzer's session ended (e.g. a fuzzed REST call hit it): a new one, from another /24.
      const s = await login(srv.port, fzEvents.name, fzEvents.password, '127.7.0.1').catch(() => null);
      child.send({ type: 'session', session: s });
    }
    if (m.type === 'rescue') {
      const t = await api(srv.port, adminSess, 'POST', '/api/v1/tokens', { name: 'fz-rest-again', userId: fzRest.id }).catch(() => null);
      child.send({ type: 'token', token: t?.secret ?? null });
    }
  });
  child.send({ type: 'start', ctx: { ...ctxBase, endpoint, seed: SEED + ENDPOINTS.indexOf(endpoint) * 7919 } });
}
const allDone = () => Object.values(children).every((c) => c.done);

const prober = (async () => {
  while (!allDone() && !crashed) {
    const started = Date.now();
    const steps = {};
    try {
      const ms = await Promise.race([probe(srv, admin, probeKey, steps), sleep(PROBE_BOUND).then(() => { throw new Error(`no answer within ${PROBE_BOUND} ms (steps done: ${JSON.stringify(steps)})`); })]);
      probes.n++;
      probes.latencies.push(ms);
      if (ms > probes.maxMs) probes.maxAt = { t: Date.now() - t0, loadavg: loadavg()[0], steps };
      probes.maxMs = Math.max(probes.maxMs, ms);
    } catch (e) {
      if (crashed) break;
      probes.n++;
      probes.failed.push({ t: Date.now() - t0, error: String(e.message ?? e), loadavg: loadavg()[0] });
      log(`PROBE FAILED: ${e.message ?? e} (load average ${loadavg()[0].toFixed(1)})`);
    }
    await sleep(Math.max(0, Number(opt['probe-every']) - (Date.now() - started)));
  }
})();

let lastSettle = Date.now();
let lastPrint = 0;
while (!allDone() && !crashed) {
  await sleep(1000);
  const settle = Date.now() - lastSettle > 60_000;
  if (settle) lastSettle = Date.now();
  await sampleMemory(settle).catch(() => {});
  if (srv.errors.some((e) => /worker died|uncaught|unhandled/i.test(e.msg ?? ''))) crashed ??= { workerDied: srv.errors.find((e) => /worker died|uncaught|unhandled/i.test(e.msg ?? '')), at: Date.now() - t0 };
  if (Date.now() - lastPrint > 30_000) {
    lastPrint = Date.now();
    const s = Object.entries(children).map(([k, c]) => `${k} ${c.stats?.sent ?? 0} (${c.stats?.conns ?? 0} conns, ${c.stats?.anomalyCount ?? 0} anomalies, ${c.stats?.errors ?? 0} client errors)`).join(' | ');
    log(`${s} | rss ${mem.rss.at(-1)?.mb.toFixed(0)} MB heap ${mem.heap.at(-1)?.mb.toFixed(0)} MB | probes ${probes.n} max ${probes.maxMs.toFixed(0)} ms failed ${probes.failed.length}`);
  }
}
const fuzzSeconds = (Date.now() - t0) / 1000;
for (const c of Object.values(children)) c.child.send({ type: 'stop' });
if (crashed) {
  log('SERVER CRASHED', JSON.stringify(crashed));
  await Promise.all(Object.entries(children).map(([k, c]) => new Promise((res) => {
    c.child.once('message', (m) => m.type === 'dumped' && res());
    c.child.send({ type: 'dump', file: join(OUT, `crash-last-frames-${k}.jsonl`) });
    setTimeout(res, 5000);
  })));
  writeFileSync(join(OUT, 'crash-server-stderr.txt'), srv.stderr());
  writeFileSync(join(OUT, 'crash-server-log.jsonl'), srv.lines.join('\n'));
}
// Anomalies with their frames: ask each child for its final stats.
const finals = {};
await Promise.all(Object.entries(children).map(([k, c]) => new Promise((res) => {
  const t = setTimeout(res, 60_000);
  const check = setInterval(() => { if (c.done || crashed) { clearInterval(check); clearTimeout(t); res(); } }, 200);
})));
await prober;
for (const [k, c] of Object.entries(children)) finals[k] = c.stats;

// GC-settled final sample after the fuzzers stopped.
if (!crashed) {
  await sleep(5000);
  await sampleMemory(true).catch(() => {});
  await sleep(10_000);
  await sampleMemory(true).catch(() => {});
}
const errorLogs = srv.errors.slice(0, 50);
stopping = true;
insp?.close();
for (const c of Object.values(children)) c.child.kill();
srv.child.kill('SIGTERM');
const exit = await Promise.race([srv.exited, sleep(20_000).then(() => 'no exit within 20 s of SIGTERM')]);

// ── in-process top-up ─────────────────────────────────────────────────────────────────────────
const inproc = {};
if (opt['in-process'] !== 'off' && !crashed) {
  for (const [k, s] of Object.entries(finals)) {
    const missing = opt['in-process'] === 'top-up' ? FRAMES - (s?.sent ?? 0) : Number(opt['in-process']);
    if (k === 'relay' || missing <= 0) continue;
    log(`in-process: ${missing} frames through the ${k} parse code`);
    const p = spawnSync(process.execPath, [join(HERE, 'inproc.mjs'), k, String(missing), String(SEED)], { encoding: 'utf8', maxBuffer: 1 << 24 });
    inproc[k] = p.status === 0 ? JSON.parse(p.stdout.trim().split('\n').at(-1)) : { error: p.stderr.slice(-2000), status: p.status };
  }
}

// ── summary ───────────────────────────────────────────────────────────────────────────────────
const stat = (xs) => (xs.length ? { first: xs[0].mb, last: xs.at(-1).mb, max: Math.max(...xs.map((x) => x.mb)) } : null);
const settledAfterWarmup = mem.settled.slice(1);
const settled = stat(settledAfterWarmup.length >= 2 ? settledAfterWarmup : mem.settled);
const flat = settled ? settled.last - settled.first <= Math.max(5, settled.first * 0.1) : null;
const hangs = probes.failed.length;
const summary = {
  date: new Date().toISOString(), commit, seed: SEED, machine: spawnSync('sh', ['-c', 'nproc; uptime'], { encoding: 'utf8' }).stdout.replace(/\s+/g, ' ').trim(),
  fuzzSeconds, crashed, hangs, probes: { n: probes.n, maxMs: probes.maxMs, maxAt: probes.maxAt, failed: probes.failed.slice(0, 20), latencies: probes.latencies },
  memory: { rss: stat(mem.rss), heap: stat(mem.heap), settledHeap: settled, settledSeries: mem.settled, flat },
  endpoints: finals, inProcess: inproc, serverErrorLogs: errorLogs, serverExit: exit,
};
writeFileSync(join(OUT, 'summary.json'), JSON.stringify(summary, null, 2));
const anomalies = Object.entries(children).flatMap(([k, c]) => (c.stats?.anomalies ?? []).map((a) => ({ endpoint: k, ...a })));
writeFileSync(join(OUT, 'anomalies.json'), JSON.stringify(anomalies, null, 2));

const f = (n) => (n ?? 0).toLocaleString('en-US');
console.log(`\nseed ${SEED}, ${fuzzSeconds.toFixed(0)} s of socket fuzzing, commit ${commit}, results in ${OUT}`);
console.log('| endpoint | frames over sockets | connections/sessions | frames/s | in-process frames | anomalies | client errors |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const [k, s] of Object.entries(finals)) {
  console.log(`| ${k} | ${f(s?.sent)} | ${f(s?.conns)} | ${((s?.sent ?? 0) / fuzzSeconds).toFixed(0)} | ${inproc[k]?.frames ? `${f(inproc[k].frames)} (${inproc[k].perSecond.toFixed(0)}/s)` : '-'} | ${f(s?.anomalyCount)} | ${f(s?.errors)} |`);
}
console.log(`\ncrashes: ${crashed ? 1 : 0}${crashed ? ` ${JSON.stringify(crashed)}` : ''}; hangs (probe failures, bound ${PROBE_BOUND} ms): ${hangs} of ${probes.n}, max probe latency ${probes.maxMs.toFixed(0)} ms`);
const m = summary.memory;
if (m.rss) console.log(`server RSS MB first/last/max: ${m.rss.first.toFixed(1)} / ${m.rss.last.toFixed(1)} / ${m.rss.max.toFixed(1)}`);
if (m.heap) console.log(`server heap MB first/last/max: ${m.heap.first.toFixed(1)} / ${m.heap.last.toFixed(1)} / ${m.heap.max.toFixed(1)}`);
if (m.settledHeap) console.log(`GC-settled heap MB (after warm-up) first/last/max: ${m.settledHeap.first.toFixed(1)} / ${m.settledHeap.last.toFixed(1)} / ${m.settledHeap.max.toFixed(1)} → ${flat ? 'flat' : 'GROWING'}`);
console.log(`server error log lines: ${srv.errors.length}; exit after SIGTERM: ${JSON.stringify(exit)}`);
process.exit(crashed || hangs > 0 ? 1 : 0);
