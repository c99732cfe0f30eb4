/**
 * Finding 2 of issue 10, end to end: one unauthenticated source holding hundreds of silent TCP
 * sockets and upgraded `/agent` sockets that never speak (and reopening whatever the server
 * closes) must not starve the HTTPS port. Real server process, real TLS, the real agent program;
 * the attacker is 127.0.0.2, everyone else 127.0.0.1 — the same /24, the harder case. Each legitimate
 * step has a generous "completes at all" guard of 10–15 s: before the fix each one waited behind
 * the attacker's sockets in one FIFO until it was reset (12 s) or timed out.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { AGENT_WS_PATH, type InstallFile } from '@meshwork/protocol';
import { agentStatus, startAgent } from './support/agent.js';
import { waitFor } from './support/poll.js';
import { meshworkJson, meshworkOk, ProcessSet, startServer, type ServerProc } from './support/processes.js';

const ATTACKER = '127.0.0.2';
const SILENT = 300;
const MUTE_AGENTS = 150;
const PASSWORD = 'e2e admin password';

/** One source keeping `silent` bare TCP sockets and `mute` upgraded agent sockets open, reopening what closes. */
class Attacker {
  private stopped = false;
  private readonly open = new Set<Socket | WebSocket>();
  upgraded = 0;

  constructor(private readonly port: number) {}

  silent(n: number): void {
    for (let i = 0; i < n; i++) this.tcp();
  }

  mute(n: number): void {
    for (let i = 0; i < n; i++) this.agent();
  }

  stop(): void {
    this.stopped = true;
    for (const s of this.open) s instanceof WebSocket ? s.terminate() : s.destroy();
  }

  private again(f: () => void): void {
    if (!this.stopped) setTimeout(f, 100).unref();
  }

  private tcp(): void {
    const s = connect({ host: '127.0.0.1', port: this.port, localAddress: ATTACKER });
    this.open.add(s);
    s.on('error', () => undefined);
    s.once('close', () => {
      this.open.delete(s);
      this.again(() => this.tcp());
    });
  }

  private agent(): void {
    const ws = new WebSocket(`wss://127.0.0.1:${this.port}${AGENT_WS_PATH}`, { localAddress: ATTACKER, rejectUnauthorized: false, perMessageDeflate: false });
    this.open.add(ws);
    ws.on('open', () => this.upgraded++); // and then says nothing
    ws.on('error', () => undefined);
    ws.once('close', () => {
      this.open.delete(ws);
      this.again(() => this.agent());
    });
  }
}

/** One HTTPS request on a new connection (no keep-alive: it must pass admission), failing after `limitMs`. */
function call(server: ServerProc, ca: Buffer, method: string, path: string, o: { body?: unknown; token?: string }, limitMs = 10_000): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    if (o.body !== undefined) headers['content-type'] = 'application/json';
    const req = request(new URL(path, server.url), { method, ca, headers, agent: false, timeout: limitMs });
    const limit = setTimeout(() => req.destroy(new Error(`${method} ${path}: no answer within ${limitMs} ms`)), limitMs);
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: idle for ${limitMs} ms`)));
    req.on('error', (e) => {
      clearTimeout(limit);
      reject(e);
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => {
        clearTimeout(limit);
        resolve({ status: res.statusCode ?? 0, text });
      });
    });
    req.end(o.body !== undefined ? JSON.stringify(o.body) : undefined);
  });
}

describe('one source holding silent and mute agent sockets does not starve the HTTPS port', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'mw-admission-e2e-'));
  const data = join(tmp, 'data');
  const local = ['--data', data];
  const procs = new ProcessSet();
  let server: ServerProc;
  let ca: Buffer;
  let token: string;
  let install: string;
  let attacker: Attacker | undefined;

  before(async () => {
    await meshworkOk(['user', 'add', 'admin', '--admin', ...local], `${PASSWORD}\n`);
    token = (await meshworkOk(['token', 'create', 'admin', ...local])).trim();
    server = await startServer(procs, data);
    ca = readFileSync(join(data, 'tls', 'ca.crt'));
    await meshworkOk(['group', 'add', 'Fleet', ...local]);
    install = join(tmp, 'install.json');
    await meshworkJson<InstallFile>(['group', 'install-file', 'Fleet', '--out', install, ...local]);

    attacker = new Attacker(server.port);
    attacker.mute(MUTE_AGENTS);
    await waitFor('the attacker to hold upgraded agent sockets', () => attacker !== undefined && attacker.upgraded >= 50);
    attacker.silent(SILENT);
    await new Promise((r) => setTimeout(r, 1_000)); // the silent sockets are in
  });

  after(async () => {
    attacker?.stop();
    await procs.killAll();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('a browser login is answered', async () => {
    const r = await call(server, ca, 'POST', '/api/v1/auth/login', { body: { name: 'admin', password: PASSWORD } });
    assert.equal(r.status, 200, r.text);
  });

  test('an API call is answered', async () => {
    const r = await call(server, ca, 'GET', '/api/v1/devices', { token });
    assert.equal(r.status, 200, r.text);
  });

  test('a new agent connects and is welcomed', async () => {
    const state = join(tmp, 'agent-state');
    const agent = startAgent(procs, state, { install, keyProvider: 'file' });
    const s = await waitFor(
      'the new agent to be connected',
      async () => {
        if (!agent.running) throw new Error(`the agent exited\n${agent.tail()}`);
        const st = await agentStatus(state);
        return st.connected ? st : undefined;
      },
      { timeoutMs: 15_000, describe: () => agent.tail() },
    );
    assert.equal(s.enrolled, true);
  });

  test('the attacker was capped, and its silent sockets were closed (metrics)', async () => {
    const r = await call(server, ca, 'GET', '/metrics', { token });
    assert.equal(r.status, 200, r.text);
    assert.match(r.text, /meshwork_accept_dropped_total\{reason="address_cap"\} [1-9]/);
  });
});
