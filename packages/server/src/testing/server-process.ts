/**
 * Test support: runs the real server process (dist/bin.js) on a free port with a temporary data
 * dir, and talks HTTPS to it trusting only the data dir's own CA.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { connect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../bin.js', import.meta.url));

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as-is (no JSON encoding); set content-type yourself. */
  raw?: string | Buffer;
  headers?: Record<string, string>;
}

export interface ServerProc {
  dataDir: string;
  port: number;
  url: string;
  serverId: string;
  setupToken: string | null;
  child: ChildProcess;
  /** Every stdout line so far. */
  lines: string[];
  stderr: () => string;
  ca: string;
  req(method: string, path: string, opts?: RequestOptions): Promise<Reply>;
  /** Sends raw bytes over TLS and returns the raw response text. */
  raw(bytes: string | Buffer): Promise<string>;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export const tempDataDir = (): string => mkdtempSync(join(tmpdir(), 'mw-server-test-'));
export const removeDir = (d: string): void => rmSync(d, { recursive: true, force: true });

/** Starts bin.js and resolves once it logged 'listening'; rejects (with stderr) if it exits first. */
export async function startServer(opts: { dataDir?: string; args?: string[] } = {}): Promise<ServerProc> {
  const dataDir = opts.dataDir ?? tempDataDir();
  const child = spawn(process.execPath, [BIN, '--port', '0', '--data', dataDir, ...(opts.args ?? [])], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let err = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  // 'close' (not 'exit'): by then all of stdout has been read, so `lines` is complete.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const listening = await new Promise<Record<string, unknown>>((resolve, reject) => {
    let buf = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        lines.push(line);
        const rec = parseLine(line);
        if (rec?.msg === 'listening') resolve(rec);
      }
    });
    void exited.then((code) => reject(new Error(`server exited with ${String(code)} before listening: ${err}`)));
  });
  const port = Number(listening.port);
  const setupLine = lines.find((l) => l.startsWith('Setup: '));
  const setupToken = setupLine ? (/#token=([A-Za-z0-9_-]+)/.exec(setupLine)?.[1] ?? null) : null;
  const ca = readFileSync(join(dataDir, 'tls', 'ca.crt'), 'utf8');
  const proc: ServerProc = {
    dataDir, port, url: `https://127.0.0.1:${port}`, serverId: String(listening.serverId), setupToken, child, lines, ca,
    stderr: () => err,
    req: (method, path, o = {}) => httpsRequest(port, ca, method, path, o),
    raw: (bytes) => rawRequest(port, ca, bytes),
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  return proc;
}

export function parseLine(line: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(line) as unknown;
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function httpsRequest(port: number, ca: string, method: string, path: string, o: RequestOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...o.headers };
  let payload: string | Buffer | undefined = o.raw;
  if (o.body !== undefined) {
    payload = JSON.stringify(o.body);
    headers['content-type'] ??= 'application/json';
  }
  return new Promise((resolve, reject) => {
    const r = request({ host: '127.0.0.1', port, method, path, headers, ca, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown = undefined;
        try { json = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    r.on('error', reject);
    if (payload !== undefined) r.write(payload);
    r.end();
  });
}

export function rawRequest(port: number, ca: string, bytes: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => s.write(bytes));
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    s.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? resolve(Buffer.concat(chunks).toString('utf8')) : reject(e)));
  });
}

/** A logged-in browser-like client: keeps the session cookie and CSRF token. */
export class Browser {
  cookie = '';
  csrf = '';
  constructor(readonly server: ServerProc) {}

  async call(method: string, path: string, o: RequestOptions & { csrf?: boolean } = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...o.headers };
    if (this.cookie) headers.cookie = this.cookie;
    if (this.csrf && o.csrf !== false) headers['x-csrf-token'] = this.csrf;
    const r = await this.server.req(method, path, { ...o, headers });
    const set = r.headers['set-cookie'];
    for (const c of Array.isArray(set) ? set : []) {
      const m = /^mw_session=([^;]*)/.exec(c);
      if (m) this.cookie = m[1] ? `mw_session=${m[1]}` : '';
    }
    const body = r.json as { csrfToken?: unknown } | undefined;
    if (r.status === 200 && typeof body?.csrfToken === 'string') this.csrf = body.csrfToken;
    return r;
  }

  login(name: string, password: string, extra: Record<string, string> = {}): Promise<Reply> {
    return this.call('POST', '/api/v1/auth/login', { body: { name, password, ...extra } });
  }
}

/** Starts a server (with extra command-line `args`) and creates the first administrator through the setup link. */
export async function startWithAdmin(name = 'admin', password = 'correct horse battery', args: string[] = []): Promise<{ server: ServerProc; admin: Browser }> {
  const server = await startServer({ args });
  const admin = new Browser(server);
  const r = await admin.call('POST', '/api/v1/setup', { body: { token: server.setupToken, name, password } });
  if (r.status !== 200) throw new Error(`setup failed: ${r.status} ${r.text}`);
  return { server, admin };
}
