// The fuzz runner's side of the real server: start it (with the V8 inspector on loopback, to read
// its heap and force a GC), HTTPS calls, agent sockets with a real enrolled identity, a liveness probe.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { AGENT_WS_PATH } from '@meshwork/protocol';
import { authFor, helloFor, newAgentKey, testInfo } from '../../packages/server/dist/ws/agent/testing/test-agent.js';

export { newAgentKey, authFor, helloFor, testInfo };
export const BIN = fileURLToPath(new URL('../../packages/server/dist/bin.js', import.meta.url));
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Every client of the probe binds to this address: another /24 than the fuzzers' 127.0.0.1. */
export const PROBE_ADDRESS = '127.9.0.1';

/** Starts dist/bin.js with --inspect on a free loopback port; resolves once it logged `listening`. */
export async function startServer({ config = {}, args = [], inspect = true, dataDir, detached = false, port } = {}) {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'mw-fuzz-'));
  if (config) writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  const child = spawn(process.execPath, [...(inspect ? ['--inspect=127.0.0.1:0'] : []), BIN, '--port', String(port ?? 0), '--data', dir, ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached });
  const lines = [];
  const errors = [];
  let stderr = '';
  let inspectorUrl = null;
  let buf = '';
  const listening = new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (lines.length < 2000) lines.push(line);
        let rec = null;
        try { rec = JSON.parse(line); } catch { /* not JSON */ }
        if (rec && typeof rec.level === 'number' && rec.level >= 50) errors.push(rec);
        if (rec?.msg === 'listening') resolve(rec);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d) => {
      stderr += d;
      if (stderr.length > 1e6) stderr = stderr.slice(-5e5);
      const m = /Debugger listening on (ws:\/\/\S+)/.exec(stderr);
      if (m) inspectorUrl ??= m[1];
    });
    child.once('exit', (code, signal) => reject(new Error(`server exited (${code ?? signal}) before listening: ${stderr}`)));
  });
  const rec = await listening;
  const listenPort = Number(rec.port);
  const setupToken = /#token=([A-Za-z0-9_-]+)/.exec(lines.find((l) => l.startsWith('Setup: ')) ?? '')?.[1] ?? null;
  const ca = readFileSync(join(dir, 'tls', 'ca.crt'), 'utf8');
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { dir, child, port: listenPort, url: `https://127.0.0.1:${listenPort}`, wsUrl: `wss://127.0.0.1:${listenPort}`, serverId: String(rec.serverId), setupToken, ca, lines, errors, exited, stderr: () => stderr, inspectorUrl: () => inspectorUrl };
}

/** A tiny CDP client on the server's inspector: heap use and a forced full GC. */
export async function inspector(url) {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  let id = 0;
  const pending = new Map();
  ws.on('message', (d) => {
    const m = JSON.parse(String(d));
    const p = pending.get(m.id);
    if (p) { pending.delete(m.id); m.error ? p.reject(new Error(m.error.message)) : p.resolve(m.result); }
  });
  const call = (method, params = {}) => new Promise((resolve, reject) => {
    const n = ++id;
    pending.set(n, { resolve, reject });
    ws.send(JSON.stringify({ id: n, method, params }));
  });
  return {
    heapUsed: async () => (await call('Runtime.getHeapUsage')).usedSize,
    gc: () => call('HeapProfiler.collectGarbage'),
    close: () => ws.close(),
  };
}

export function rssMb(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch { return NaN; }
}

/** One HTTPS request (no connection reuse unless `agent` given); resolves {status, json, text, headers}. */
export function request(port, method, path, { body, raw, headers = {}, agent = false, localAddress, timeoutMs = 60_000, contentType } = {}) {
  const h = { ...headers };
  let payload = raw;
  if (body !== undefined) payload = JSON.stringify(body);
  if (payload !== undefined) h['content-type'] ??= contentType ?? 'application/json';
  return new Promise((resolve, reject) => {
    const r = https.request({ host: '127.0.0.1', port, method, path, headers: h, agent, rejectUnauthorized: false, ...(localAddress ? { localAddress } : {}) }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try { json = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    r.setTimeout(timeoutMs, () => r.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    r.on('error', reject);
    if (payload !== undefined) r.write(payload);
    r.end();
  });
}

/** Logs in; returns {cookie, csrf}. */
export async function login(port, name, password, localAddress) {
  const r = await request(port, 'POST', '/api/v1/auth/login', { body: { name, password }, localAddress });
  if (r.status !== 200) throw new Error(`login ${name}: ${r.status} ${r.text}`);
  const set = [].concat(r.headers['set-cookie'] ?? []);
  const cookie = set.map((c) => /^(mw_session=[^;]*)/.exec(c)?.[1]).find(Boolean);
  return { cookie, csrf: r.json.csrfToken };
}

/** Calls with a session (cookie + CSRF) and throws on a non-2xx answer. */
/** The group's enrolment key, from its install file (what enrols; the group id does not). */
export async function enrolmentKeyOf(port, sess, groupId) {
  const file = await api(port, sess, 'GET', `/api/v1/groups/${groupId}/install-file`);
  if (typeof file.enrolmentKey !== 'string') throw new Error(`group ${groupId} has no enrolment key`);
  return file.enrolmentKey;
}

export async function api(port, sess, method, path, body) {
  const headers = sess.token ? { authorization: `Bearer ${sess.token}` } : { cookie: sess.cookie, 'x-csrf-token': sess.csrf };
  const r = await request(port, method, path, { body, headers });
  if (r.status < 200 || r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.text}`);
  return r.json;
}

/**
 * Opens wss://…/agent and wraps it: frames (parsed), next(), closed. `localAddress` binds the client.
 */
export function agentSocket(wsUrl, { path = AGENT_WS_PATH, headers, localAddress } = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${wsUrl}${path}`, { rejectUnauthorized: false, perMessageDeflate: false, ...(headers ? { headers } : {}), ...(localAddress ? { localAddress } : {}) });
    let tlsCertDer = Buffer.alloc(0);
    const frames = [];
    const queue = [];
    const waiters = [];
    let ended = false;
    ws.on('upgrade', (res) => { tlsCertDer = res.socket.getPeerX509Certificate()?.raw ?? Buffer.alloc(0); });
    ws.on('message', (data, isBinary) => {
      let v;
      try { v = isBinary ? { binary: true } : JSON.parse(String(data)); } catch { v = { unparsable: String(data).slice(0, 200) }; }
      frames.push(v);
      const w = waiters.shift();
      if (w) w(v); else queue.push(v);
    });
    const closed = new Promise((r) => ws.on('close', (code, reason) => {
      reject(new Error(`closed before it opened (${code})`));
      ended = true;
      for (const w of waiters.splice(0)) w(null);
      r({ code, reason: String(reason) });
    }));
    ws.on('unexpected-response', (_req, res) => {
      reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode }));
      ws.terminate();
    });
    ws.on('error', (err) => { if (ws.readyState === WebSocket.CONNECTING) reject(err); });
    ws.on('open', () => resolve({
      ws, frames, closed, tlsCertDer,
      next: (ms = 30_000) => new Promise((r, j) => {
        if (queue.length > 0) return r(queue.shift());
        if (ended) return r(null);
        const t = setTimeout(() => j(new Error(`no frame within ${ms} ms`)), ms);
        waiters.push((v) => { clearTimeout(t); r(v); });
      }),
      send: (v) => ws.send(typeof v === 'string' || Buffer.isBuffer(v) ? v : JSON.stringify(v)),
    }));
  });
}

/** The full agent handshake with a real key: resolves {sock, welcome, known} or throws. */
export async function agentHandshake(wsUrl, key, info, opts = {}) {
  const sock = await agentSocket(wsUrl, opts);
  const { hello, ctx } = helloFor(sock.tlsCertDer);
  sock.send(hello);
  const challenge = await sock.next();
  if (challenge?.type !== 'challenge') throw new Error(`no challenge: ${JSON.stringify(challenge)}`);
  sock.send(authFor(key, ctx, challenge, info));
  const welcome = await sock.next();
  if (welcome?.type !== 'welcome') throw new Error(`no welcome: ${JSON.stringify(welcome)}`);
  return { sock, welcome, hello, ctx, challenge };
}

export const sha384 = (b) => createHash('sha384').update(b).digest('hex');
export const nonce = () => randomBytes(48).toString('base64url');

/**
 * The liveness probe: from PROBE_ADDRESS, a login, an API call and a new agent (fresh key, so it
 * also enrols) must all answer. Returns the latency in ms or throws; `steps` gets the time (ms since
 * the start) at which each step had its answer.
 */
export async function probe(srv, admin, enrolmentKey, steps = {}) {
  const t0 = performance.now();
  const mark = (name) => (steps[name] = Math.round(performance.now() - t0));
  const s = await login(srv.port, admin.name, admin.password, PROBE_ADDRESS);
  mark('login');
  const r = await request(srv.port, 'GET', '/api/v1/devices/head', { headers: { cookie: s.cookie }, localAddress: PROBE_ADDRESS });
  if (r.status !== 200) throw new Error(`devices.listHead answered ${r.status}`);
  mark('api');
  const key = await newAgentKey();
  mark('key');
  const h = await agentHandshake(srv.wsUrl, key, testInfo({ enrolmentKey, hostname: 'probe' }), { localAddress: PROBE_ADDRESS });
  mark('agent');
  h.sock.ws.close();
  await request(srv.port, 'POST', '/api/v1/auth/logout', { headers: { cookie: s.cookie, 'x-csrf-token': s.csrf }, localAddress: PROBE_ADDRESS }).catch(() => {});
  return performance.now() - t0;
}
