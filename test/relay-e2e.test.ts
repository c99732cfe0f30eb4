/**
 * End-to-end tests of relay sessions with real processes: `meshwork server start`, a real
 * `meshwork-agent run` (file key provider) on the same machine, and the `meshwork` CLI in remote
 * mode for `shell`, `files …` and `forward`. Also, through the client library: a second user
 * without terminal rights, session ids that cannot be used twice or by another user, and the
 * agent's own refusal of `..` paths (the CLI refuses them before sending anything).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { createServer, connect as netConnect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { ApiClientError, createClient, FilesClient, FilesError, openRelay, relaySocketUrl, type Client, type RelaySocket } from '@meshwork/client';
import { httpsTransport } from '@meshwork/cli';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = join(ROOT, 'packages/cli/dist/main.js');
const AGENT = join(ROOT, 'packages/agent/dist/main.js');

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('MESHWORK_') && k !== 'NODE_TEST_CONTEXT') env[k] = v;
  return { ...env, ...extra };
}

function run(args: string[], input = ''): Promise<Result> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', rej);
    child.on('close', (code) => res({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

async function ok(args: string[], input = ''): Promise<string> {
  const r = await run(args, input);
  assert.equal(r.code, 0, `meshwork ${args.join(' ')} exited ${r.code}:\n${r.stderr}`);
  return r.stdout;
}

/** A long-running child whose output is collected. */
function background(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; out: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
  return { child, out: () => out, exited };
}

async function waitFor<T>(label: string, check: () => Promise<T | undefined> | T | undefined, describe: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + 30_000;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}: ${String(lastError ?? '')}\n${describe()}`);
    await sleep(100);
  }
}

const sha256File = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');
const hasher = (): { update(b: Uint8Array): void; digestHex(): string } => {
  const h = createHash('sha256');
  return { update: (b) => void h.update(b), digestHex: () => h.digest('hex') };
};

describe('relay sessions end to end', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'meshwork-relay-e2e-'));
  const data = join(tmp, 'data');
  const state = join(tmp, 'agent');
  const remoteDir = join(tmp, 'remote');
  const local = ['--data', data];
  let remote: string[] = [];
  let server: ReturnType<typeof background> | undefined;
  let agent: ReturnType<typeof background> | undefined;
  let url = '';
  let ca = '';
  let adminToken = '';
  let bobToken = '';
  let deviceId = '';
  const transports: { close(): void }[] = [];

  const clientFor = (token: string): Client => {
    const t = httpsTransport({ ca });
    transports.push(t);
    return createClient({ baseUrl: url, token, fetch: t.fetch });
  };
  const socketFor = (token: string) => (wsUrl: string): RelaySocket =>
    new WebSocket(wsUrl, { ca, headers: { authorization: `Bearer ${token}` } }) as unknown as RelaySocket;

  before(async () => {
    mkdirSync(remoteDir);
    await ok(['user', 'add', 'admin', '--admin', ...local], 'correct horse battery\n');
    await ok(['user', 'add', 'bob', ...local], 'another long password\n');
    adminToken = (await ok(['token', 'create', 'admin', ...local])).trim();
    bobToken = (await ok(['token', 'create', 'bob', ...local])).trim();
    await ok(['group', 'add', 'lab', ...local]);
    await ok(['group', 'grant', 'lab', 'bob', 'remoteControl,noTerminal', ...local]);

    server = background([CLI, 'server', 'start', '--port', '0', '--host', '127.0.0.1', '--data', data], cleanEnv());
    const port = await waitFor("the server's 'listening' line", () => {
      for (const line of server?.out().split('\n') ?? []) {
        if (!line.startsWith('{')) continue;
        try {
          const rec = JSON.parse(line) as { msg?: unknown; port?: unknown };
          if (rec.msg === 'listening' && typeof rec.port === 'number') return rec.port;
        } catch {
          /* partial line */
        }
      }
      return undefined;
    }, () => server?.out() ?? '');
    url = `https://127.0.0.1:${port}`;
    ca = readFileSync(join(data, 'tls', 'ca.crt'), 'utf8');
    remote = ['--server', url, '--token', adminToken, '--data', data];

    const installFile = join(tmp, 'install.json');
    await ok(['group', 'install-file', 'lab', '--out', installFile, ...local]);
    agent = background([AGENT, 'run', '--state', state, '--install', installFile, '--key-provider', 'file', '--log-level', 'debug'], cleanEnv({ MESHWORK_AGENT_BACKOFF_SCALE: '0.01' }));
    deviceId = await waitFor('the device to be online', async () => {
      const devices = JSON.parse(await ok(['device', 'list', '--json', ...remote])) as { id: string; online: boolean }[];
      return devices.find((d) => d.online)?.id;
    }, () => agent?.out() ?? '');
  });

  after(async () => {
    for (const t of transports) t.close();
    for (const p of [agent, server]) {
      if (p && p.child.exitCode === null) {
        p.child.kill('SIGTERM');
        await p.exited;
      }
    }
    rmSync(tmp, { recursive: true, force: true });
  });

  test('shell runs piped input in a real pty and exits with the remote exit code', async () => {
    const r = await run(['shell', deviceId, ...remote], 'echo hi; exit 3\n');
    assert.equal(r.code, 3, `stderr: ${r.stderr}\nstdout: ${r.stdout}`);
    assert.match(r.stdout, /\bhi\r?\n/);
  });

  test('two terminal sessions run at once, UTF-8 passes through intact', async () => {
    const [a, b] = await Promise.all([
      run(['shell', deviceId, ...remote], "printf '\\342\\202\\254 %s\\n' one; exit 0\n"),
      run(['shell', deviceId, ...remote], 'echo two; exit 5\n'),
    ]);
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stdout, /€ one/);
    assert.equal(b.code, 5, b.stderr);
    assert.match(b.stdout, /two/);
  });

  test('files: put, get (hashes match), ls, mkdir, mv, rm', async () => {
    const src = join(tmp, 'src.bin');
    writeFileSync(src, randomBytes(3 * 1024 * 1024 + 12_345));
    const dest = join(remoteDir, 'up.bin');
    const put = JSON.parse(await ok(['files', 'put', deviceId, src, dest, '--json', ...remote])) as { size: number; sha256: string };
    assert.equal(put.sha256, sha256File(src));
    assert.equal(sha256File(dest), sha256File(src));
    assert.deepEqual(readdirSync(remoteDir), ['up.bin'], 'no temporary file is left behind');

    const again = await run(['files', 'put', deviceId, src, dest, ...remote]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /\(exists\)/);
    await ok(['files', 'put', deviceId, src, dest, '--force', ...remote]);

    const back = join(tmp, 'back.bin');
    await ok(['files', 'get', deviceId, dest, back, ...remote]);
    assert.equal(sha256File(back), sha256File(src));

    await ok(['files', 'mkdir', deviceId, join(remoteDir, 'sub'), ...remote]);
    await ok(['files', 'mv', deviceId, dest, join(remoteDir, 'sub', 'moved.bin'), ...remote]);
    const entries = JSON.parse(await ok(['files', 'ls', deviceId, join(remoteDir, 'sub'), '--json', ...remote])) as { name: string; type: string; size: number }[];
    assert.deepEqual(entries.map((e) => [e.name, e.type, e.size]), [['moved.bin', 'file', 3 * 1024 * 1024 + 12_345]]);
    const top = JSON.parse(await ok(['files', 'ls', deviceId, remoteDir, '--json', ...remote])) as { name: string; type: string }[];
    assert.deepEqual(top.map((e) => [e.name, e.type]), [['sub', 'dir']]);

    const notEmpty = await run(['files', 'rm', deviceId, join(remoteDir, 'sub'), ...remote]);
    assert.equal(notEmpty.code, 1);
    assert.match(notEmpty.stderr, /\(not_empty\)/);
    await ok(['files', 'rm', deviceId, join(remoteDir, 'sub'), '--recursive', ...remote]);
    assert.equal(existsSync(join(remoteDir, 'sub')), false);
  });

  test('files: traversal is refused by the CLI and again by the agent', async () => {
    const cli = await run(['files', 'ls', deviceId, `${remoteDir}/../..`, ...remote]);
    assert.equal(cli.code, 2, cli.stderr);
    const { socket } = await openRelay(clientFor(adminToken), deviceId, { protocol: 'files' }, socketFor(adminToken));
    const files = new FilesClient(socket, hasher);
    socket.resume?.();
    for (const bad of [`${remoteDir}/../../etc`, 'etc/passwd', `${remoteDir}/a\0b`]) {
      await assert.rejects(files.list(bad), (e: unknown) => e instanceof FilesError && e.fileCode === 'bad_path', bad);
    }
    files.close();
  });

  test('a user without the terminal right cannot open a terminal (403), but may use files', async () => {
    const bob = clientFor(bobToken);
    await assert.rejects(bob.devices.openSession({ id: deviceId, protocol: 'terminal' }), (e: unknown) => e instanceof ApiClientError && e.status === 403);
    await assert.rejects(bob.devices.openSession({ id: deviceId, protocol: 'tcp', host: '127.0.0.1', port: 22 }), (e: unknown) => e instanceof ApiClientError && e.status === 403);
    const { socket } = await openRelay(bob, deviceId, { protocol: 'files' }, socketFor(bobToken));
    const files = new FilesClient(socket, hasher);
    socket.resume?.();
    assert.ok(Array.isArray(await files.list(remoteDir)));
    files.close();
  });

  test('a session id works once, and only for the user who created it', async () => {
    const admin = clientFor(adminToken);
    const info = await admin.devices.openSession({ id: deviceId, protocol: 'files' });
    const wsUrl = relaySocketUrl(url, info.url);
    const status = (token: string): Promise<number> =>
      new Promise((res) => {
        const ws = new WebSocket(wsUrl, { ca, headers: { authorization: `Bearer ${token}` } });
        ws.on('unexpected-response', (_req, r) => {
          res(r.statusCode ?? 0);
          ws.terminate();
        });
        ws.on('open', () => {
          res(101);
          ws.close();
        });
        ws.on('error', () => undefined);
      });
    assert.equal(await status(bobToken), 404, 'another user');
    assert.equal(await status(adminToken), 101, 'the creator');
    assert.equal(await status(adminToken), 404, 'a second use');
    const events = JSON.parse(await ok(['events', '--type', 'relay.start', '--json', ...remote])) as { data: Record<string, unknown> }[];
    assert.ok(events.length > 0);
    assert.ok(!JSON.stringify(events).includes(info.sessionId), 'events never carry the session id');
  });

  test('forward relays a local TCP connection to an echo server as seen from the device', async () => {
    const echo: Server = createServer({ allowHalfOpen: true }, (s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    const echoPort = (echo.address() as { port: number }).port;
    const fwd = background([CLI, 'forward', deviceId, `0:127.0.0.1:${echoPort}`, ...remote], cleanEnv());
    try {
      const port = await waitFor('the forward to listen', () => {
        const m = /forwarding 127\.0\.0\.1:(\d+)/.exec(fwd.out());
        return m ? Number(m[1]) : undefined;
      }, fwd.out);
      const payload = randomBytes(300_000);
      const echoed = await new Promise<Buffer>((res, rej) => {
        const s = netConnect({ host: '127.0.0.1', port, allowHalfOpen: true }, () => s.end(payload));
        const chunks: Buffer[] = [];
        s.on('data', (c: Buffer) => chunks.push(c));
        s.on('end', () => res(Buffer.concat(chunks)));
        s.on('error', rej);
      });
      assert.equal(echoed.length, payload.length);
      assert.ok(echoed.equals(payload));
      const ends = await waitFor('relay.end events of tcp sessions', async () => {
        const ev = JSON.parse(await ok(['events', '--type', 'relay.end', '--json', ...remote])) as { data: { protocol?: string; bytesToDevice?: number; bytesFromDevice?: number } }[];
        return ev.find((e) => e.data.protocol === 'tcp');
      });
      assert.equal(ends.data.bytesToDevice, payload.length + JSON.stringify({ type: 'end' }).length);
    } finally {
      fwd.child.kill('SIGTERM');
      assert.equal(await fwd.exited, 0, fwd.out());
      echo.close();
    }
  });
});
