/**
 * End-to-end tests of the `meshwork` CLI: real processes, a real SQLite data dir, and a real
 * HTTPS server started with `meshwork server start`. Local mode first (it bootstraps the admin
 * and the API token), then remote mode against the running server, then local mode again after
 * the server stopped (install files name the URL the server served on).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { createClient, eventStreamUrl, openEventStream, ApiClientError } from '@meshwork/client';
import { httpsTransport } from '@meshwork/cli';
import type { StreamServerFrame } from '@meshwork/protocol';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = join(ROOT, 'packages/cli/dist/main.js');
const HEX96 = /^[0-9a-f]{96}$/;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment without any MESHWORK_* setting of the machine running the tests. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('MESHWORK_')) env[k] = v;
  return { ...env, ...extra };
}

function cli(args: string[], opts: { input?: string; env?: Record<string, string>; cwd?: string; command?: string[] } = {}): Promise<Result> {
  return new Promise((resolvePromise, reject) => {
    const [cmd, ...pre] = opts.command ?? [process.execPath, CLI];
    const child = spawn(cmd as string, [...pre, ...args], { cwd: opts.cwd ?? ROOT, env: cleanEnv(opts.env), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

async function ok(args: string[], opts: Parameters<typeof cli>[1] = {}): Promise<string> {
  const r = await cli(args, opts);
  assert.equal(r.code, 0, `meshwork ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

async function okJson<T>(args: string[], opts: Parameters<typeof cli>[1] = {}): Promise<T> {
  return JSON.parse(await ok([...args, '--json'], opts)) as T;
}

interface UserJson { id: string; name: string; siteRights: string[] }
interface GroupJson { id: string; name: string; links: { subjectName: string; subjectKind: string; rights: string[] }[] }
interface InstallFileJson { serverUrls: string[]; serverId: string; groupId: string; groupName: string; enrolmentToken?: string }

/** Starts `meshwork server start --port 0 --data DIR` and resolves with its port once it logs 'listening'. */
function startServer(dataDir: string): Promise<{ child: ChildProcess; port: number; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [CLI, 'server', 'start', '--port', '0', '--data', dataDir], { cwd: ROOT, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return new Promise((resolvePromise, reject) => {
    let out = '';
    let err = '';
    const guard = setTimeout(() => reject(new Error(`server did not log 'listening' within 60 s:\n${out}\n${err}`)), 60_000);
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      for (const line of out.split('\n')) {
        if (!line.startsWith('{')) continue;
        let rec: { msg?: unknown; port?: unknown };
        try {
          rec = JSON.parse(line) as typeof rec;
        } catch {
          continue;
        }
        if (rec.msg === 'listening' && typeof rec.port === 'number') {
          clearTimeout(guard);
          resolvePromise({ child, port: rec.port, exited });
          return;
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(guard);
      reject(new Error(`server exited (${code}) before listening:\n${out}\n${err}`));
    });
  });
}

describe('meshwork CLI', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'meshwork-cli-'));
  const data = join(tmp, 'data');
  const local = ['--data', data];
  let token = '';
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let url = '';
  let ca = '';

  after(async () => {
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    rmSync(tmp, { recursive: true, force: true });
  });

  describe('local mode (--data)', () => {
    test('user add reads the password from stdin and creates an admin', async () => {
      const out = await ok(['user', 'add', 'alice', '--admin', ...local], { input: 'correct horse battery\n' });
      assert.match(out, /created user alice/);
      const short = await cli(['user', 'add', 'carol', ...local], { input: 'short\n' });
      assert.equal(short.code, 1);
      assert.match(short.stderr, /^error: .+ \(validation_failed\)$/m);
      const none = await cli(['user', 'add', 'carol', ...local], { input: '' });
      assert.equal(none.code, 1);
      assert.match(none.stderr, /\(no_password\)/);
    });

    test('user list --json is the API shape', async () => {
      const users = await okJson<UserJson[]>(['user', 'list', ...local]);
      assert.deepEqual(users.map((u) => [u.name, u.siteRights]), [['alice', ['admin']]]);
      const human = await ok([...local, 'user', 'list']);
      assert.match(human, /^NAME\s+ID\s+SITE RIGHTS/);
      assert.match(human, /^alice\s+\S+\s+admin/m);
    });

    test('token create prints only a bearer token', async () => {
      const out = await ok(['token', 'create', 'alice', '--name', 'e2e', ...local]);
      assert.match(out, /^\S{16,}\n$/);
      token = out.trim();
    });

    test('group add, list, grant and install-file', async () => {
      assert.match(await ok(['group', 'add', 'Office', '--description', 'main office', ...local]), /created device group Office/);
      await ok(['user', 'add', 'bob', ...local], { input: 'bobs password 1\n' });
      const granted = await ok(['group', 'grant', 'Office', 'bob', 'remoteControl,wake', ...local]);
      assert.match(granted, /granted remoteControl,wake on Office to user bob/);
      const groups = await okJson<GroupJson[]>(['group', 'list', ...local]);
      const office = groups.find((g) => g.name === 'Office');
      assert.ok(office);
      const link = office.links.find((l) => l.subjectName === 'bob');
      assert.deepEqual(link && [link.subjectKind, link.rights], ['user', ['remoteControl', 'wake']]);
      const bad = await cli(['group', 'grant', 'Office', 'bob', 'wake,fly', ...local]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /unknown right fly/);
      const missing = await cli(['group', 'grant', 'Nowhere', 'bob', 'wake', ...local]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /^error: no device group named "Nowhere" \(not_found\)$/m);
      const file = JSON.parse(await ok(['group', 'install-file', 'Office', ...local])) as InstallFileJson;
      assert.match(file.serverId, HEX96);
      assert.equal(file.groupId, office.id);
      assert.equal(file.groupName, 'Office');
      assert.ok(Array.isArray(file.serverUrls));
      const byId = JSON.parse(await ok(['group', 'install-file', office.id, '--out', join(tmp, 'install.json'), '--json', ...local])) as InstallFileJson;
      assert.equal(byId.groupId, office.id);
      assert.deepEqual(JSON.parse(readFileSync(join(tmp, 'install.json'), 'utf8')), byId);
      assert.equal(statSync(join(tmp, 'install.json')).mode & 0o077, 0);
    });

    test('user passwd and user delete', async () => {
      assert.match(await ok(['user', 'passwd', 'bob', ...local], { input: 'bobs new password\n' }), /password changed for bob/);
      await ok(['user', 'add', 'dave', ...local], { input: 'daves password 1\n' });
      assert.match(await ok(['user', 'delete', 'dave', ...local]), /deleted user dave/);
      const users = await okJson<UserJson[]>(['user', 'list', ...local]);
      assert.deepEqual(users.map((u) => u.name).sort(), ['alice', 'bob']);
      const gone = await cli(['user', 'delete', 'dave', ...local]);
      assert.equal(gone.code, 1);
      assert.match(gone.stderr, /\(not_found\)/);
    });

    test('device list and events', async () => {
      assert.deepEqual(await okJson<unknown[]>(['device', 'list', '--group', 'Office', ...local]), []);
      assert.match(await ok(['device', 'list', ...local]), /no devices/);
      const events = await okJson<{ type: string; message: string }[]>(['events', '--limit', '3', ...local]);
      assert.equal(events.length, 3);
      const all = await okJson<{ type: string }[]>(['events', ...local]);
      assert.ok(all.some((e) => /group/i.test(e.type)), `a group event among ${all.map((e) => e.type).join(', ')}`);
      assert.match(await ok(['events', '--limit', '2', ...local]), /^TIME\s+TYPE\s+MESSAGE/);
      const bad = await cli(['events', '--limit', 'many', ...local]);
      assert.equal(bad.code, 2);
    });
  });

  describe('remote mode (--server --token)', () => {
    before(async () => {
      server = await startServer(data);
      url = `https://127.0.0.1:${server.port}`;
      ca = join(data, 'tls', 'ca.crt');
    });

    test('global options after the subcommand, and before it', async () => {
      const users = await okJson<UserJson[]>(['user', 'list', '--server', url, '--token', token, '--ca', ca]);
      assert.deepEqual(users.map((u) => u.name).sort(), ['alice', 'bob']);
      const g = await okJson<GroupJson>(['--server', url, '--token', token, '--ca', ca, 'group', 'add', 'Remote']);
      assert.equal(g.name, 'Remote');
      const viaEnv = await okJson<GroupJson[]>(['group', 'list', '--ca', ca], { env: { MESHWORK_SERVER: url, MESHWORK_TOKEN: token } });
      assert.deepEqual(viaEnv.map((x) => x.name).sort(), ['Office', 'Remote']);
    });

    test("the data dir's CA is trusted by default when --data is given too", async () => {
      const groups = await okJson<GroupJson[]>(['group', 'list', '--server', url, '--token', token, '--data', data]);
      assert.equal(groups.length, 2);
    });

    test('an untrusted certificate, a wrong token and --insecure', async () => {
      const untrusted = await cli(['user', 'list', '--server', url, '--token', token]);
      assert.equal(untrusted.code, 1);
      assert.match(untrusted.stderr, /--ca .*\(network_error\)$/m);
      const wrong = await cli(['user', 'list', '--server', url, '--token', 'mwt_not_a_real_token', '--ca', ca]);
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /^error: .+ \((token_invalid|unauthenticated)\)$/m);
      const insecure = await cli(['user', 'list', '--server', url, '--token', token, '--insecure']);
      assert.equal(insecure.code, 0, insecure.stderr);
      assert.match(insecure.stderr, /warning: --insecure/);
      const noToken = await cli(['user', 'list', '--server', url]);
      assert.equal(noToken.code, 2);
    });

    test('install-file --token embeds an enrolment token and names the server URL', async () => {
      const file = JSON.parse(await ok(['--server', url, '--token', token, '--ca', ca, 'group', 'install-file', 'Office', '--token', '--max-uses', '2'])) as InstallFileJson;
      assert.ok(file.serverUrls.includes(url), `${file.serverUrls.join(', ')} includes ${url}`);
      assert.equal(typeof file.enrolmentToken, 'string');
      const usage = await cli(['group', 'install-file', 'Office', '--max-uses', '2', ...local]);
      assert.equal(usage.code, 2);
    });

    test('token create and revoke; a revoked token is refused', async () => {
      // Over the network a token never creates tokens (a leaked one would leave successors behind).
      const remote = await cli(['token', 'create', 'bob', '--expires-days', '1', '--server', url, '--token', token, '--ca', ca]);
      assert.equal(remote.code, 1);
      assert.match(remote.stderr, /\(session_required\)/);
      const created = await okJson<{ token: { id: string }; secret: string }>(['token', 'create', 'bob', '--expires-days', '1', ...local]);
      await okJson<unknown[]>(['group', 'list', '--server', url, '--token', created.secret, '--ca', ca]);
      assert.match(await ok(['token', 'revoke', created.token.id, '--server', url, '--token', token, '--ca', ca]), /revoked token/);
      const refused = await cli(['group', 'list', '--server', url, '--token', created.secret, '--ca', ca]);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /\((token_invalid|unauthenticated)\)/);
    });

    test('the client logs in over real TLS and follows the event stream with a bearer token', async () => {
      const transport = httpsTransport({ ca: readFileSync(ca, 'utf8') });
      try {
        const anon = createClient({ baseUrl: url, fetch: transport.fetch });
        const session = await anon.auth.login({ name: 'bob', password: 'bobs new password' });
        assert.equal(session.user.name, 'bob');
        await assert.rejects(anon.auth.login({ name: 'bob', password: 'bobs password 1' }), (e) => e instanceof ApiClientError && e.code === 'bad_credentials');
      } finally {
        transport.close();
      }
      const caPem = readFileSync(ca, 'utf8');
      class BearerSocket extends WebSocket {
        constructor(u: string) {
          super(u, { ca: caPem, headers: { authorization: `Bearer ${token}` } });
        }
      }
      const stream = openEventStream({ url: eventStreamUrl(url), WebSocket: BearerSocket });
      // Not a timing assertion: ends the loop (and fails below) instead of hanging if no event comes.
      const guard = setTimeout(() => stream.close(), 60_000);
      const frames: StreamServerFrame[] = [];
      let seen = false;
      try {
        for await (const frame of stream) {
          frames.push(frame);
          if (frame.type === 'hello') await ok(['group', 'add', 'Streamed', '--server', url, '--token', token, '--ca', ca]);
          if (frame.type === 'event' && frame.event.type === 'group.created' && frame.event.message.includes('Streamed')) {
            seen = true;
            break;
          }
        }
      } finally {
        clearTimeout(guard);
        stream.close();
      }
      assert.equal(frames[0]?.type, 'hello');
      assert.ok(seen, `a group.created event for Streamed among ${JSON.stringify(frames)}`);
    });

    test('the server stops on SIGTERM; install-file over --data then names the URL it served on', async () => {
      assert.ok(server);
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0);
      const file = JSON.parse(await ok(['group', 'install-file', 'Office', ...local])) as InstallFileJson;
      assert.ok(file.serverUrls.includes(url), `${file.serverUrls.join(', ')} includes ${url}`);
    });
  });

  test('npx meshwork --help works from the repository root', async () => {
    const r = await cli(['meshwork', '--help'], { command: ['npx'] });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Usage: meshwork <command>/);
    assert.match(r.stdout, /group install-file GROUP/);
  });
});
