/**
 * Terminal escapes in names (issue 10, findings 10 and 12), against real processes: a data dir
 * whose store holds a device group, device, tags, OS, API token and failed-login event with ESC
 * and C1 sequences — as an agent's report, an old server or a direct store write would leave them —
 * printed by the real `meshwork` in local and remote mode; the server refusing such names at the
 * API; and the API token from `--token`, `--token-file` and `MESHWORK_TOKEN`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClientError, createClient } from '@meshwork/client';
import { httpsTransport } from '@meshwork/cli';
import { openSqliteStore } from '@meshwork/store-sqlite';
import { CLI_MAIN, cleanEnv, Proc, ProcessSet, ROOT, startServer, type Result, type ServerProc } from './support/processes.js';

/** Any byte a terminal may act on, but the newline: C0, DEL, C1, and the bidi controls. */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const CLEAR = '\u001b[2J';
const HOSTILE = {
  group: `Evil${CLEAR}\u001b]0;pwned\u0007\u009b31m\u202egrp`,
  device: `host${CLEAR}\u001b[1A\u009b2J`,
  tag: `tag\u001b[5m\u2066`,
  os: `Linux\u001b]2;title\u0007`,
  token: `tok${CLEAR}\u009b`,
  login: `root${CLEAR}\u001b[31mFAKE PROMPT\u009b`,
};

function cli(args: string[], env: Record<string, string> = {}): Promise<Result> {
  const child = spawn(process.execPath, [CLI_MAIN, ...args], { cwd: ROOT, env: cleanEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
  const p = new Proc('meshwork', child);
  child.stdin?.end('correct horse battery\n');
  return p.exited;
}

async function ok(args: string[], env: Record<string, string> = {}): Promise<Result> {
  const r = await cli(args, env);
  assert.equal(r.code, 0, `meshwork ${args.join(' ')} exited ${r.code}:\n${r.stderr}`);
  return r;
}

/** Neither stream of `r` carries a raw control character; `shows` appear escaped on stdout. */
function assertClean(what: string, r: Result, shows: string[] = []): void {
  for (const [name, text] of [['stdout', r.stdout], ['stderr', r.stderr]] as const) {
    const m = RAW_CONTROL.exec(text);
    assert.equal(m, null, `${what}: raw U+${m?.[0].charCodeAt(0).toString(16).padStart(4, '0')} on ${name}: ${JSON.stringify(text)}`);
  }
  for (const s of shows) assert.ok(r.stdout.includes(s), `${what}: ${JSON.stringify(s)} shown in ${JSON.stringify(r.stdout)}`);
}

describe('hostile names reach no terminal raw', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'meshwork-hostile-'));
  const data = join(tmp, 'data');
  const local = ['--data', data];
  const procs = new ProcessSet();
  let token = '';
  let server: ServerProc;
  let ca = '';

  before(async () => {
    await ok(['user', 'add', 'alice', '--admin', ...local]);
    token = (await ok(['token', 'create', 'alice', '--name', 'e2e', ...local])).stdout.trim();
    const store = await openSqliteStore(join(data, 'meshwork.db'));
    try {
      const alice = await store.getUserByName('alice');
      assert.ok(alice);
      const now = Date.now();
      const groupId = randomBytes(48).toString('hex');
      await store.createDeviceGroup({ id: groupId, name: HOSTILE.group, description: `desc${CLEAR}`, createdAt: now });
      await store.setGroupEnrolmentKey(groupId, `mwk_${randomBytes(32).toString('hex')}`, now);
      await store.upsertDevice({
        id: randomBytes(48).toString('hex'), groupId, name: HOSTILE.device, tags: [HOSTILE.tag], notes: `n${CLEAR}`, os: HOSTILE.os,
        info: {}, infoHash: null, lastSeen: now, createdAt: now,
      });
      await store.createApiToken({ id: randomBytes(12).toString('base64url'), userId: alice.id, name: HOSTILE.token, secretHash: randomBytes(32).toString('hex'), createdAt: now, expiresAt: null, lastUsedAt: null });
      await store.addEvent({
        id: randomBytes(12).toString('base64url'), time: now, type: 'auth.loginFailed', message: `Failed login for "${HOSTILE.login}" from 10.0.0.1 (bad_credentials)`,
        actorId: null, deviceId: null, groupId: null, data: { name: HOSTILE.login }, visibleTo: ['*'], expiresAt: now + 86_400_000,
      });
    } finally {
      await store.close();
    }
  });

  after(async () => {
    await procs.killAll();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('local mode: device list, group list, token list, events, install-file (human and --json)', async () => {
    assertClean('device list', await ok(['device', 'list', ...local]), ['host\\x1b[2J\\x1b[1A\\u009b2J', 'tag\\x1b[5m\\u2066', 'Linux\\x1b]2;title\\x07']);
    assertClean('group list', await ok(['group', 'list', ...local]), ['Evil\\x1b[2J\\x1b]0;pwned\\x07\\u009b31m\\u202egrp']);
    assertClean('token list', await ok(['token', 'list', ...local]), ['tok\\x1b[2J\\u009b']);
    assertClean('events', await ok(['events', ...local]), ['root\\x1b[2J\\x1b[31mFAKE PROMPT\\u009b']);
    for (const args of [['device', 'list'], ['group', 'list'], ['token', 'list'], ['events']]) {
      const r = await ok([...args, '--json', ...local]);
      assertClean(`${args.join(' ')} --json`, r);
      assert.ok(JSON.stringify(JSON.parse(r.stdout)).includes('\\u001b[2J'), `${args.join(' ')} --json keeps the value`);
    }
    const groups = JSON.parse((await ok(['group', 'list', '--json', ...local])).stdout) as { id: string; name: string }[];
    const evil = groups.find((g) => g.name === HOSTILE.group);
    assert.ok(evil, 'the --json value parses back to the stored name');
    const file = await ok(['group', 'install-file', evil.id, ...local]);
    assertClean('group install-file', file);
    assert.equal((JSON.parse(file.stdout) as { groupName: string }).groupName, HOSTILE.group);
    const missing = await cli(['group', 'grant', `x${CLEAR}`, 'alice', 'wake', ...local]);
    assert.equal(missing.code, 1);
    assertClean('an error quoting a name', missing);
    assert.match(missing.stderr, /no device group named "x\\x1b\[2J" \(not_found\)/);
  });

  describe('remote mode', () => {
    before(async () => {
      server = await startServer(procs, data);
      ca = join(data, 'tls', 'ca.crt');
    });

    test('device list and events over HTTPS print no raw control characters', async () => {
      const env = { MESHWORK_TOKEN: token };
      assertClean('device list', await ok(['device', 'list', '--server', server.url, '--ca', ca], env), ['host\\x1b[2J']);
      assertClean('events', await ok(['events', '--server', server.url, '--ca', ca], env), ['FAKE PROMPT\\u009b']);
    });

    test('the API refuses control characters in names, tags, notes, token names and login names', async () => {
      const env = { MESHWORK_TOKEN: token };
      const group = await cli(['group', 'add', `Office${CLEAR}`, '--server', server.url, '--ca', ca], env);
      assert.equal(group.code, 1, group.stdout);
      assert.match(group.stderr, /\(validation_failed\)$/m);
      assertClean('the refusal', group);
      const c1 = await cli(['group', 'add', 'Office\u009b2J', '--server', server.url, '--ca', ca], env);
      assert.match(c1.stderr, /\(validation_failed\)$/m);
      const bidi = await cli(['group', 'add', 'gnp.\u202eexe', '--server', server.url, '--ca', ca], env);
      assert.match(bidi.stderr, /\(validation_failed\)$/m);
      const tok = await cli(['token', 'create', 'alice', '--name', `t${CLEAR}`, '--server', server.url, '--ca', ca], env);
      assert.match(tok.stderr, /\(validation_failed\)$/m);
      const desc = await cli(['group', 'add', 'Lines', '--description', 'line one\nline two\ttabbed', '--server', server.url, '--ca', ca], env);
      assert.equal(desc.code, 0, `a multi-line description is fine: ${desc.stderr}`);

      const transport = httpsTransport({ ca: readFileSync(ca, 'utf8') });
      try {
        const client = createClient({ baseUrl: server.url, token, fetch: transport.fetch });
        const refused = async (what: string, call: () => Promise<unknown>): Promise<void> =>
          assert.rejects(call, (e) => e instanceof ApiClientError && e.code === 'validation_failed', what);
        const [device] = await client.devices.list();
        assert.ok(device);
        await refused('device name', () => client.devices.update({ id: device.id, name: `web${CLEAR}` }));
        await refused('tag', () => client.devices.update({ id: device.id, tags: ['ok', 'bad\u001b[5m'] }));
        await refused('notes', () => client.devices.update({ id: device.id, notes: `fine\nnot\u001b]0;x\u0007` }));
        await refused('user group name', () => client.userGroups.create({ name: `ops${CLEAR}`, description: '' }));
        await refused('group rename', () => client.groups.update({ id: device.groupId, name: `x\u0085y` }));
        const renamed = await client.devices.update({ id: device.id, name: 'web-1', tags: ['a b', 'ünï'], notes: 'line 1\n\tline 2' });
        assert.equal(renamed.name, 'web-1');
        const anon = createClient({ baseUrl: server.url, fetch: transport.fetch });
        await refused('login name', () => anon.auth.login({ name: HOSTILE.login, password: 'whatever password' }));
      } finally {
        transport.close();
      }
    });

    test('the API token from --token (warns), --token-file and MESHWORK_TOKEN', async () => {
      const remote = ['user', 'list', '--json', '--server', server.url, '--ca', ca];
      const WARNING = /warning: --token puts the API token in the process list/;
      const viaArg = await ok([...remote, '--token', token]);
      assert.match(viaArg.stderr, WARNING);
      assert.match(viaArg.stderr, /MESHWORK_TOKEN or --token-file/);

      const viaEnv = await ok(remote, { MESHWORK_TOKEN: token });
      assert.doesNotMatch(viaEnv.stderr, WARNING);
      assert.deepEqual(JSON.parse(viaEnv.stdout), JSON.parse(viaArg.stdout));

      const file = join(tmp, 'token');
      writeFileSync(file, `${token}\n`, { mode: 0o600 });
      const viaFile = await ok([...remote, '--token-file', file]);
      assert.doesNotMatch(viaFile.stderr, WARNING);
      assert.deepEqual(JSON.parse(viaFile.stdout), JSON.parse(viaArg.stdout));

      // Precedence: --token > --token-file > MESHWORK_TOKEN (a wrong token from the winner fails).
      const wrong = join(tmp, 'wrong');
      writeFileSync(wrong, 'mwt_not_a_real_token\r\n', { mode: 0o600 });
      const fileBeatsEnv = await cli([...remote, '--token-file', wrong], { MESHWORK_TOKEN: token });
      assert.equal(fileBeatsEnv.code, 1);
      assert.match(fileBeatsEnv.stderr, /\((token_invalid|unauthenticated)\)/);
      const argBeatsFile = await ok([...remote, '--token', token, '--token-file', wrong]);
      assert.match(argBeatsFile.stderr, WARNING);

      chmodSync(file, 0o644);
      const loose = await cli([...remote, '--token-file', file]);
      assert.equal(loose.code, 1);
      assert.match(loose.stderr, /accessible by group or others .*chmod 600 .*\(insecure_token_file\)/);
      const localWithFile = await cli(['user', 'list', '--token-file', file, ...local]);
      assert.equal(localWithFile.code, 2);
    });
  });
});
