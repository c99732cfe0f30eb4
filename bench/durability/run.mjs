#!/usr/bin/env node
// kill -9 durability: the real server process under write load through its real API (REST writes
// with an API token, and agents enrolling over the agent socket), killed with SIGKILL (the whole
// process group: primary and workers) at a random moment, the database checked with
// PRAGMA integrity_check, the server started again on the same data dir, and every write that was
// acknowledged before the kill (the HTTP answer / the agent's `welcome` arrived) looked for.
// See README.md.
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { agentHandshake, newAgentKey, request, sleep, startServer, testInfo } from '../fuzz/harness.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const require = createRequire(join(HERE, '../../packages/store-sqlite/package.json'));
const Database = require('better-sqlite3');
const { values: opt } = parseArgs({
  options: {
    trials: { type: 'string', default: '100' },
    workers: { type: 'string', default: '1' },
    seed: { type: 'string', default: String(Date.now() % 1e9) },
    'min-ms': { type: 'string', default: '300' },
    'max-ms': { type: 'string', default: '4000' },
    out: { type: 'string', default: join(HERE, 'out') },
    keep: { type: 'boolean', default: false },
  },
});
const TRIALS = Number(opt.trials);
const WORKERS = Number(opt.workers);
let seed = Number(opt.seed) >>> 0;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const log = (...a) => console.log(new Date().toISOString().slice(11, 19), ...a);
mkdirSync(opt.out, { recursive: true });
const OUT = join(opt.out, `run-${new Date().toISOString().replace(/[:.]/g, '-')}-w${WORKERS}`);
mkdirSync(OUT, { recursive: true });
const ACKED = join(OUT, 'acked.jsonl');
const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: HERE, encoding: 'utf8' }).stdout.trim();

const dir = mkdtempSync(join(tmpdir(), 'mw-durability-'));
const config = { agentHandshakeRate: 1e6, agentHandshakeBurst: 1e6, agentMaxPendingHandshakes: 1000 };
const args = WORKERS > 1 ? ['--workers', String(WORKERS)] : [];
let port = 0;
const start = async () => {
  const s = await startServer({ dataDir: dir, config, args, inspect: false, detached: true, port });
  port = s.port;
  return s;
};

// ── what was acknowledged ─────────────────────────────────────────────────────────────────────
const acked = { groups: new Set(), userGroups: new Set(), users: new Set(), devices: new Set(), deletedUserGroups: new Set(), counter: 0 };
const ack = (kind, id, trial) => {
  if (kind === 'counter') acked.counter = Math.max(acked.counter, id);
  else if (kind === 'deletedUserGroups') { acked.deletedUserGroups.add(id); acked.userGroups.delete(id); }
  else acked[kind].add(id);
  appendFileSync(ACKED, `${JSON.stringify({ trial, kind, id, t: Date.now() })}\n`);
};

// ── first start: an administrator, an API token, a group for the agents, the counter group ────
let srv = await start();
log(`server pid ${srv.child.pid} port ${port} data ${dir} workers ${WORKERS} seed ${opt.seed} out ${OUT}`);
const setup = await request(port, 'POST', '/api/v1/setup', { body: { token: srv.setupToken, name: 'admin', password: 'correct horse battery' } });
if (setup.status !== 200) throw new Error(`setup ${setup.status} ${setup.text}`);
const cookie = [].concat(setup.headers['set-cookie'])[0].split(';')[0];
const tok = await request(port, 'POST', '/api/v1/tokens', { body: { name: 'durability' }, headers: { cookie, 'x-csrf-token': setup.json.csrfToken } });
const auth = { authorization: `Bearer ${tok.json.secret}` };
// Keep-alive connections (a new agent after each restart: the old sockets died with the server).
let keepAlive = new https.Agent({ keepAlive: true, maxSockets: 16, rejectUnauthorized: false });
const call = (method, path, body) => request(port, method, path, { body, headers: auth, timeoutMs: 30_000, agent: keepAlive });
const agentGroup = (await call('POST', '/api/v1/groups', { name: 'agents' })).json;
const counterGroup = (await call('POST', '/api/v1/groups', { name: 'counter' })).json;
const agentKey = (await call('GET', `/api/v1/groups/${agentGroup.id}/install-file`)).json.enrolmentKey;

// ── the write load ────────────────────────────────────────────────────────────────────────────
let n = 0;
const loops = {
  async group(trial) { const r = await call('POST', '/api/v1/groups', { name: `g-${trial}-${n++}` }); if (r.status === 200) ack('groups', r.json.id, trial); return r.status; },
  async userGroup(trial) { const r = await call('POST', '/api/v1/user-groups', { name: `ug-${trial}-${n++}` }); if (r.status === 200) ack('userGroups', r.json.id, trial); return r.status; },
  async user(trial) { const r = await call('POST', '/api/v1/users', { name: `u-${trial}-${n++}`, password: 'correct horse battery', siteRights: [] }); if (r.status === 200) ack('users', r.json.id, trial); return r.status; },
  async counter(trial) {
    const v = acked.counter + 1;
    const r = await call('PATCH', `/api/v1/groups/${counterGroup.id}`, { description: String(v) });
    if (r.status === 200) ack('counter', v, trial);
    return r.status;
  },
  async deleteUserGroup(trial) {
    const id = [...acked.userGroups][0];
    if (!id) return loops.userGroup(trial);
    // From here on its presence is unknown until the answer arrives (a kill may land in between).
    acked.userGroups.delete(id);
    const r = await call('DELETE', `/api/v1/user-groups/${id}`);
    if (r.status === 200) ack('deletedUserGroups', id, trial);
    return r.status;
  },
  async device(trial) {
    const key = await newAgentKey();
    const h = await agentHandshake(srv.wsUrl, key, testInfo({ enrolmentKey: agentKey, hostname: `d-${trial}-${n++}` }));
    ack('devices', h.welcome.deviceId, trial);
    h.sock.ws.terminate();
    return 200;
  },
};
const LOAD = ['group', 'group', 'userGroup', 'user', 'counter', 'deleteUserGroup', 'device', 'device'];

// ── checks ────────────────────────────────────────────────────────────────────────────────────
function integrity() {
  const file = readdirSync(dir).find((f) => f.endsWith('.db'));
  const db = new Database(join(dir, file));
  try {
    const rows = db.pragma('integrity_check');
    const fk = db.pragma('foreign_key_check');
    return { ok: rows.length === 1 && rows[0].integrity_check === 'ok' && fk.length === 0, rows: rows.slice(0, 5), fk: fk.slice(0, 5) };
  } finally { db.close(); }
}

async function verify() {
  const lost = [];
  const list = async (path) => { const r = await call('GET', path); if (r.status !== 200) throw new Error(`${path}: ${r.status}`); return r.json; };
  const groups = new Set((await list('/api/v1/groups')).map((g) => g.id));
  for (const id of acked.groups) if (!groups.has(id)) lost.push({ kind: 'group', id });
  const ugs = new Set((await list('/api/v1/user-groups')).map((g) => g.id));
  for (const id of acked.userGroups) if (!ugs.has(id)) lost.push({ kind: 'userGroup', id });
  for (const id of acked.deletedUserGroups) if (ugs.has(id)) lost.push({ kind: 'deleted userGroup came back', id });
  const users = new Set((await list('/api/v1/users')).map((u) => u.id));
  for (const id of acked.users) if (!users.has(id)) lost.push({ kind: 'user', id });
  const c = await list(`/api/v1/groups/${counterGroup.id}`);
  if (Number(c.description || 0) < acked.counter) lost.push({ kind: 'counter', acked: acked.counter, stored: c.description });
  const devs = await list(`/api/v1/devices?groupId=${agentGroup.id}`);
  const devIds = new Set((Array.isArray(devs) ? devs : devs.devices ?? devs.items ?? []).map((d) => d.id));
  for (const id of acked.devices) if (!devIds.has(id)) lost.push({ kind: 'device', id });
  return lost;
}

const total = () => acked.groups.size + acked.userGroups.size + acked.users.size + acked.devices.size + acked.deletedUserGroups.size + acked.counter;
const results = [];
for (let trial = 1; trial <= TRIALS; trial++) {
  const before = total();
  let running = true;
  const failures = {};
  const workers = LOAD.map(async (name) => {
    while (running) {
      try { const s = await loops[name](trial); if (s !== 200) failures[`${name} ${s}`] = (failures[`${name} ${s}`] ?? 0) + 1; }
      catch (e) { if (running) failures[`${name} ${e.message.slice(0, 40)}`] = 1; await sleep(50); }
    }
  });
  const killAfter = Number(opt['min-ms']) + rand() * (Number(opt['max-ms']) - Number(opt['min-ms']));
  await sleep(killAfter);
  process.kill(-srv.child.pid, 'SIGKILL');
  running = false;
  await srv.exited;
  await Promise.race([Promise.all(workers), sleep(35_000)]);
  const ackedThisTrial = total() - before;
  const integ = integrity();
  keepAlive.destroy();
  keepAlive = new https.Agent({ keepAlive: true, maxSockets: 16, rejectUnauthorized: false });
  srv = await start();
  const lost = await verify();
  results.push({ trial, killAfterMs: Math.round(killAfter), ackedThisTrial, ackedTotal: total(), lost, integrity: integ.ok ? 'ok' : integ });
  log(`trial ${trial}: killed after ${killAfter.toFixed(0)} ms, ${ackedThisTrial} writes acknowledged (total ${total()}), lost ${lost.length}, integrity ${integ.ok ? 'ok' : JSON.stringify(integ)}${Object.keys(failures).length ? `, non-2xx during the kill: ${JSON.stringify(failures)}` : ''}`);
  if (lost.length) writeFileSync(join(OUT, `lost-trial-${trial}.json`), JSON.stringify(lost, null, 2));
}
keepAlive.destroy();
srv.child.kill('SIGTERM');
await srv.exited;

const lostTotal = results.reduce((s, r) => s + r.lost.length, 0);
const integrityFailures = results.filter((r) => r.integrity !== 'ok').length;
const summary = {
  date: new Date().toISOString(), commit, workers: WORKERS, trials: results.length, seed: opt.seed,
  ackedTotal: total(), acked: { groups: acked.groups.size, userGroups: acked.userGroups.size, users: acked.users.size, devices: acked.devices.size, deletedUserGroups: acked.deletedUserGroups.size, counterUpdates: acked.counter },
  lost: lostTotal, integrityFailures, machine: spawnSync('sh', ['-c', 'nproc; uptime'], { encoding: 'utf8' }).stdout.replace(/\s+/g, ' ').trim(), results,
};
writeFileSync(join(OUT, 'summary.json'), JSON.stringify(summary, null, 2));
console.log(`\n| workers | trials | acknowledged writes | lost | integrity failures |\n| --- | --- | --- | --- | --- |\n| ${WORKERS} | ${results.length} | ${total()} | ${lostTotal} | ${integrityFailures} |`);
console.log(`by kind: ${JSON.stringify(summary.acked)}; results in ${OUT}`);
if (!opt.keep) rmSync(dir, { recursive: true, force: true });
process.exit(lostTotal > 0 || integrityFailures > 0 ? 1 : 0);
