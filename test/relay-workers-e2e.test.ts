/**
 * Relay sessions with several worker processes (`meshwork server start --workers 2`): the user's
 * and the agent's relay sockets land on whichever worker the kernel picks, and an end whose
 * session another worker owns is spliced to it (packages/server/src/ws/relay/splice.ts). Real
 * processes: the server, a real agent, and the `meshwork` CLI for `shell` and `files`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { createClient, relaySocketUrl } from '@meshwork/client';
import { httpsTransport } from '@meshwork/cli';
import { startAgent } from './support/agent.js';
import { waitFor } from './support/poll.js';
import { meshwork, meshworkOk, ProcessSet, startServer, type Proc } from './support/processes.js';

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
});
