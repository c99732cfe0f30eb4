/**
 * Relay sessions with several worker processes (`meshwork server start --workers 2`): the user's
 * and the agent's relay sockets land on whichever worker the kernel picks, and an end whose
 * session another worker owns is spliced to it (packages/server/src/ws/relay/splice.ts). Real
 * processes: the server, a real agent, and the `meshwork` CLI for `shell` and `files`. Also: a
 * running session ends at once when its user's rights, account, token or session are taken away
 * (events reach every worker through the bus; the periodic re-check is 60 s).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient, relaySocketUrl, type Client } from '@meshwork/client';
import { httpsTransport } from '@meshwork/cli';
import { startAgent } from './support/agent.js';
import { waitFor } from './support/poll.js';
import { meshwork, meshworkJson, meshworkOk, ProcessSet, startServer, type Proc } from './support/processes.js';

const sha256 = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');
const SESSIONS = 10;

/** The HTTP status of a relay upgrade (101 = accepted; the socket is closed again at once). */
function upgradeStatus(url: string, bearer: string, ca: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { ca, headers: { authorization: `Bearer ${bearer}` } });
    ws.once('open', () => {
      ws.close(1000);
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.once('error', (e) => reject(e));
  });
}

/** A terminal session that answered a command, and its close (code and reason) when it comes. */
interface OpenTerminal {
  ws: WebSocket;
  closed: Promise<{ code: number; reason: string }>;
}

/** Opens a terminal relay session as the client's user and waits until the shell answers. */
async function openTerminal(client: Client, baseUrl: string, deviceId: string, ca: string, headers: Record<string, string>, csrf?: string): Promise<OpenTerminal> {
  const s = await client.devices.openSession({ id: deviceId, protocol: 'terminal' });
  const ws = new WebSocket(relaySocketUrl(baseUrl, s.url, csrf), { ca, headers });
  const closed = new Promise<{ code: number; reason: string }>((r) => ws.once('close', (code, reason) => r({ code, reason: String(reason) })));
  let out = '';
  ws.on('message', (data: Buffer, isBinary: boolean) => void (isBinary && (out += data.toString('latin1'))));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`relay upgrade refused: ${String(res.statusCode)}`)));
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ type: 'resize', cols: 80, rows: 24 }));
  ws.send(Buffer.from('echo ready-$((6*7))\n'), { binary: true });
  await waitFor('the shell to answer', () => /ready-42\b/.test(out), { describe: () => out });
  return { ws, closed };
}

/** The session's close if it comes within `ms`, else null (it stayed open). */
const closedWithin = (t: OpenTerminal, ms: number): Promise<{ code: number; reason: string } | null> =>
  Promise.race([t.closed, sleep(ms).then(() => null)]);

describe('relay sessions across worker processes', () => {
  const procs = new ProcessSet();
  const tmp = mkdtempSync(join(tmpdir(), 'meshwork-relay-workers-'));
  const data = join(tmp, 'data');
  let server: Proc;
  let agent: Proc;
  let remote: string[] = [];
  let deviceId = '';
  let baseUrl = '';
  let token = '';
  let bobToken = '';
  let ca = '';

  before(async () => {
    const local = ['--data', data];
    await meshworkOk(['user', 'add', 'admin', '--admin', ...local], 'correct horse battery\n');
    token = (await meshworkOk(['token', 'create', 'admin', ...local])).trim();
    await meshworkOk(['user', 'add', 'bob', ...local], 'another long password\n');
    bobToken = (await meshworkOk(['token', 'create', 'bob', ...local])).trim();
    await meshworkOk(['group', 'add', 'lab', ...local]);
    await meshworkOk(['group', 'grant', 'lab', 'bob', 'remoteControl', ...local]);
    const s = await startServer(procs, data, 0, ['--workers', '2']);
    server = s.proc;
    baseUrl = s.url;
    ca = readFileSync(join(data, 'tls', 'ca.crt'), 'utf8');
    remote = ['--server', s.url, '--token', token, '--data', data];
    const install = join(tmp, 'install.json');
    await meshworkOk(['group', 'install-file', 'lab', '--out', install, ...local]);
    agent = startAgent(procs, join(tmp, 'agent'), { install, keyProvider: 'file' });
    deviceId = await waitFor('the device to be online', async () => {
      const devices = JSON.parse(await meshworkOk(['device', 'list', '--json', ...remote])) as { id: string; online: boolean }[];
      return devices.find((d) => d.online)?.id;
    }, { describe: () => `${server.tail()}\n${agent.tail()}` });
  });

  after(async () => {
    await procs.killAll();
    rmSync(tmp, { recursive: true, force: true });
  });

  test(`${SESSIONS} terminal sessions all work, whichever workers their ends land on`, async () => {
    for (let i = 0; i < SESSIONS; i++) {
      const r = await meshwork(['shell', deviceId, ...remote], `echo marker-$((${i}*3)); exit ${i % 4}\n`);
      assert.equal(r.code, i % 4, `session ${i}: ${r.stderr}\n${server.tail()}`);
      assert.match(r.stdout, new RegExp(`marker-${i * 3}\\b`));
    }
    // With 2 workers each end lands on the session's owner half the time: over 10 sessions, some
    // end was spliced (the chance that none was is 4^-10).
    assert.match(server.stdout, /relay end spliced to the worker that owns its session/, server.tail());
  });

  test('a file goes up and comes back intact through spliced ends', async () => {
    const remoteDir = join(tmp, 'remote');
    mkdirSync(remoteDir);
    const src = join(tmp, 'src.bin');
    writeFileSync(src, randomBytes(5 * 1024 * 1024 + 4321));
    for (let i = 0; i < 4; i++) {
      const dest = join(remoteDir, `up-${i}.bin`);
      await meshworkOk(['files', 'put', deviceId, src, dest, ...remote]);
      assert.equal(sha256(dest), sha256(src));
      const back = join(tmp, `back-${i}.bin`);
      await meshworkOk(['files', 'get', deviceId, dest, back, ...remote]);
      assert.equal(sha256(back), sha256(src));
    }
  });

  test('a session id is refused the second time, on either worker, and never for another user', async () => {
    const t = httpsTransport({ ca });
    try {
      const client = createClient({ baseUrl, token, fetch: t.fetch });
      for (let i = 0; i < 6; i++) {
        const s = await client.devices.openSession({ id: deviceId, protocol: 'terminal' });
        const url = relaySocketUrl(baseUrl, s.url);
        assert.equal(await upgradeStatus(url, bobToken, ca), 404, 'another user');
        const first = await upgradeStatus(url, token, ca);
        assert.equal(first, 101);
        assert.equal(await upgradeStatus(url, token, ca), 404, 'the second use');
      }
    } finally {
      t.close();
    }
  });

  describe('a running session ends at once when its user loses the right to it', () => {
    const REVOKED = 4009;
    let admin: Client;
    let labId = '';
    let n = 0;
    const transports: { close(): void }[] = [];
    const transport = (): ReturnType<typeof httpsTransport> => {
      const t = httpsTransport({ ca });
      transports.push(t);
      return t;
    };
    after(() => {
      for (const t of transports) t.close();
    });

    /** A new user with remoteControl on lab, an API token, and a client using that token. */
    const newUser = async (): Promise<{ id: string; name: string; password: string; tokenId: string; secret: string; client: Client }> => {
      admin ??= createClient({ baseUrl, token, fetch: transport().fetch });
      labId ||= (await admin.groups.list()).find((g) => g.name === 'lab')!.id;
      const name = `revokee${++n}`;
      const password = 'a long enough password';
      const u = await admin.users.create({ name, password, siteRights: [] });
      await admin.groups.setRights({ id: labId, subjectId: u.id, rights: ['remoteControl'] });
      // API tokens are minted by a login session or the local CLI, never by another token.
      const { token: t, secret } = await meshworkJson<{ token: { id: string }; secret: string }>(['token', 'create', name, '--name', 'relay', '--data', data]);
      return { id: u.id, name, password, tokenId: t.id, secret, client: createClient({ baseUrl, token: secret, fetch: transport().fetch }) };
    };
    const withToken = async (u: { client: Client; secret: string }): Promise<OpenTerminal> =>
      openTerminal(u.client, baseUrl, deviceId, ca, { authorization: `Bearer ${u.secret}` });
    const expectRevoked = async (t: OpenTerminal, what: string): Promise<void> => {
      const c = await closedWithin(t, 5_000);
      assert.ok(c, `${what}: the session was still open 5 s later\n${server.tail()}`);
      assert.equal(c.code, REVOKED, `${what}: ${c.reason}`);
    };

    test('its rights link on the group is removed', async () => {
      const u = await newUser();
      const t = await withToken(u);
      await admin.groups.removeRights({ id: labId, subjectId: u.id });
      await expectRevoked(t, 'rights removed');
    });

    test('its rights no longer include the capability', async () => {
      const u = await newUser();
      const t = await withToken(u);
      await admin.groups.setRights({ id: labId, subjectId: u.id, rights: ['remoteControl', 'noTerminal'] });
      await expectRevoked(t, 'rights reduced');
    });

    test('the account is disabled, or deleted', async () => {
      const u = await newUser();
      const t = await withToken(u);
      await admin.users.update({ id: u.id, disabled: true });
      await expectRevoked(t, 'account disabled');
      const v = await newUser();
      const t2 = await withToken(v);
      await admin.users.delete({ id: v.id });
      await expectRevoked(t2, 'account deleted');
    });

    test('the API token it was opened with is revoked', async () => {
      const u = await newUser();
      const t = await withToken(u);
      await admin.tokens.revoke({ id: u.tokenId });
      await expectRevoked(t, 'token revoked');
    });

    test('its browser session logs out (one session, or all)', async () => {
      for (const how of ['logout', 'logout-all'] as const) {
        const u = await newUser();
        const tr = transport();
        const login = await tr.fetch(`${baseUrl}/api/v1/auth/login`, {
          method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: u.name, password: u.password }),
        });
        const body = await login.text();
        assert.equal(login.status, 200, body);
        const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
        const { csrfToken } = JSON.parse(body) as { csrfToken: string };
        const headers = { cookie, origin: baseUrl, 'x-csrf-token': csrfToken };
        const client = createClient({ baseUrl, csrfToken, fetch: (url, init) => tr.fetch(url, { ...init, headers: { ...init.headers, ...headers } }) });
        const t = await openTerminal(client, baseUrl, deviceId, ca, { cookie, origin: baseUrl }, csrfToken);
        const out = await tr.fetch(`${baseUrl}/api/v1/auth/${how}`, { method: 'POST', headers });
        assert.equal(out.status, 200, await out.text());
        await expectRevoked(t, how);
      }
    });
  });
});
