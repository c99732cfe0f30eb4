/**
 * The enrolment attacks of issue 10 (findings 4, 5, 6), reproduced with real processes: `meshwork
 * server start` with a real SQLite data dir, real `meshwork-agent run` processes with file keys, the
 * CLI (local mode for setup, remote mode over HTTPS for revocations), and the REST API as an
 * administrator and as a group viewer.
 *
 *   4  a viewer of a group (no manageDevices) gets nothing that enrols: not from group views, events
 *      or the install-file endpoint — and an install file made of what a viewer sees (server URL,
 *      ServerID, group id) does not enrol
 *   5  a token's install file holds only the token: without its token line it does not enrol, and
 *      once the token is used up the file enrols nothing
 *   6  a removed device's agent is disconnected at once and cannot come back with the same key
 *      until an administrator allows it (`meshwork device allow`)
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Device, DeviceGroup, InstallFile, ServerInfo } from '@meshwork/protocol';
import { startAgent, stopAgent, waitConnected, waitForStatus } from './support/agent.js';
import { apiClient, type Api } from './support/api.js';
import { waitFor } from './support/poll.js';
import { meshworkJson, meshworkOk, ProcessSet, startServer, type ServerProc } from './support/processes.js';

/** Anything that looks like an enrolment key or token. */
const SECRET = /mwk_[0-9a-f]{64}|mwe_[0-9a-f]{16}_/;

describe('enrolment attacks (real server, real agents)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'mw-enrol-e2e-'));
  const data = join(tmp, 'data');
  const local = ['--data', data];
  const procs = new ProcessSet();
  let server: ServerProc;
  let adminToken: string;
  let admin: Api;
  let viewer: Api;
  let serverInfo: ServerInfo;
  let states = 0;
  const newState = (name: string): string => join(tmp, `state-${++states}-${name}`);
  const remote = (args: string[]): string[] => ['--server', server.url, '--token', adminToken, '--ca', join(data, 'tls', 'ca.crt'), ...args];

  async function group(name: string, extra: string[] = []): Promise<{ id: string; path: string; file: InstallFile }> {
    await meshworkOk(['group', 'add', name, ...local]);
    const path = join(tmp, `install-${name}${extra.length ? '-token' : ''}.json`);
    const file = await meshworkJson<InstallFile>(['group', 'install-file', name, '--out', path, ...extra, ...local]);
    return { id: file.groupId, path, file };
  }

  const devices = async (): Promise<Device[]> => (await admin.get<Device[]>('/api/v1/devices')).body;

  /** Starts an agent with `install`; it must be refused with `code` and never listed. */
  async function refusedAgent(name: string, install: string, code: string): Promise<void> {
    const state = newState(name);
    const agent = startAgent(procs, state, { install, keyProvider: 'file' });
    const s = await waitForStatus(`the ${name} agent to be refused`, agent, state, (x) => x.lastError !== null);
    assert.equal(s.connected, false);
    assert.match(s.lastError ?? '', new RegExp(`refused by the server: ${code}`));
    assert.ok(!(await devices()).some((d) => d.id === s.deviceId), 'the refused device is not listed');
    await stopAgent(agent);
  }

  /** Writes `file` as an install file and returns its path. */
  function writeInstall(name: string, file: object): string {
    const path = join(tmp, `forged-${name}.json`);
    writeFileSync(path, JSON.stringify(file), { mode: 0o600 });
    return path;
  }

  before(async () => {
    await meshworkOk(['user', 'add', 'admin', '--admin', ...local], 'e2e admin password\n');
    await meshworkOk(['user', 'add', 'viewer', ...local], 'e2e viewer password\n');
    adminToken = (await meshworkOk(['token', 'create', 'admin', ...local])).trim();
    const viewerToken = (await meshworkOk(['token', 'create', 'viewer', ...local])).trim();
    server = await startServer(procs, data);
    admin = apiClient(server.url, data, adminToken);
    viewer = apiClient(server.url, data, viewerToken);
    serverInfo = (await admin.get<ServerInfo>('/api/v1/server')).body;
  });

  after(async () => {
    await procs.killAll();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('4: a group viewer gets nothing that enrols, and the group id they see does not enrol', async () => {
    const g = await group('Watched');
    assert.match(g.file.enrolmentKey ?? '', /^mwk_[0-9a-f]{64}$/, "a manager's install file holds the group key");
    await meshworkOk(['group', 'grant', 'Watched', 'viewer', 'notes', ...local]);
    // A device is enrolled and moved out to a group the viewer cannot see: the events must not name it.
    const hidden = await group('Hidden');
    const state = newState('watched');
    const agent = startAgent(procs, state, { install: g.path, keyProvider: 'file' });
    const deviceId = (await waitConnected(agent, state)).deviceId ?? '';
    const moved = await admin.send<Device>('PATCH', `/api/v1/devices/${deviceId}`, { groupId: hidden.id });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));

    const seen: string[] = [];
    for (const path of ['/api/v1/groups', `/api/v1/groups/${g.id}`, '/api/v1/events', `/api/v1/groups/${g.id}/install-file`, `/api/v1/groups/${g.id}/enrolment-tokens`]) {
      const r = await viewer.get<unknown>(path);
      seen.push(JSON.stringify(r.body));
      if (path.endsWith('install-file') || path.endsWith('enrolment-tokens')) assert.equal(r.status, 403, path);
      else assert.equal(r.status, 200, path);
    }
    const groups = (await viewer.get<DeviceGroup[]>('/api/v1/groups')).body;
    assert.deepEqual(groups.map((x) => x.name), ['Watched']);
    for (const text of seen) assert.doesNotMatch(text, SECRET, 'no key or token reaches a viewer');
    for (const text of seen) assert.ok(!text.includes(hidden.id), 'no other group id reaches a viewer');

    // What a viewer knows, made into an install file (the old, group-id-only format): refused.
    const fromViewer = writeInstall('viewer', { serverUrls: [server.url], serverId: serverInfo.serverId, groupId: g.id, groupName: 'Watched' });
    await refusedAgent('viewer-made', fromViewer, 'not_enrolled');
    await stopAgent(agent);
  });

  test('4: rotating the key stops earlier install files from enrolling; enrolled devices stay', async () => {
    const g = await group('Rotated');
    const state = newState('rotated-first');
    const first = startAgent(procs, state, { install: g.path, keyProvider: 'file' });
    await waitConnected(first, state);
    const fresh = await meshworkJson<InstallFile>(['group', 'rotate-key', 'Rotated', ...local]);
    assert.notEqual(fresh.enrolmentKey, g.file.enrolmentKey);
    await refusedAgent('rotated-old-file', g.path, 'not_enrolled');
    await stopAgent(first);
    const again = startAgent(procs, state, {});
    await waitConnected(again, state); // enrolled before the rotation: known by its own key
    await stopAgent(again);
  });

  test('5: a token install file holds only the token; without its token line, or once used up, it enrols nothing', async () => {
    const t = await group('Tokened', ['--token', '--max-uses', '1']);
    assert.match(t.file.enrolmentToken ?? '', /^mwe_/);
    assert.equal(t.file.enrolmentKey, undefined, 'no group key beside the token');
    const { enrolmentToken: _token, ...withoutToken } = JSON.parse(readFileSync(t.path, 'utf8')) as InstallFile;
    await refusedAgent('token-line-removed', writeInstall('no-token-line', withoutToken), 'not_enrolled');

    const state = newState('token-user');
    const a = startAgent(procs, state, { install: t.path, keyProvider: 'file' });
    await waitConnected(a, state);
    await refusedAgent('token-used-up', t.path, 'bad_enrolment_token');
    await refusedAgent('used-up-without-token-line', writeInstall('used-up-no-token-line', withoutToken), 'not_enrolled');
    await stopAgent(a);
  });

  test('6: a removed device is disconnected at once and cannot come back until an administrator allows it', async () => {
    const g = await group('Removal');
    const state = newState('removed');
    const agent = startAgent(procs, state, { install: g.path, keyProvider: 'file' });
    const deviceId = (await waitConnected(agent, state)).deviceId ?? '';
    await waitFor('the device online', async () => ((await devices()).find((d) => d.id === deviceId)?.online ? true : undefined));

    const removed = await admin.send('DELETE', `/api/v1/devices/${deviceId}`);
    assert.equal(removed.status, 200);
    const s = await waitForStatus('the removed agent to be disconnected', agent, state, (x) => !x.connected && x.lastError !== null);
    assert.match(s.lastError ?? '', /refused by the server: revoked/);
    await stopAgent(agent);

    // The same key, restarted (it would otherwise wait as told): refused, not re-enrolled.
    const back = startAgent(procs, state, {});
    // status.json still holds the first agent's error: wait for the new process's own.
    const refused = await waitForStatus('the restarted agent to be refused', back, state, (x) => x.pid === back.child.pid && x.lastError !== null);
    assert.match(refused.lastError ?? '', /refused by the server: revoked/);
    assert.ok(!(await devices()).some((d) => d.id === deviceId), 'not enrolled again');
    await stopAgent(back);
    const revoked = await meshworkJson<Array<{ deviceId: string }>>(remote(['device', 'revoked']));
    assert.deepEqual(revoked.map((r) => r.deviceId), [deviceId]);

    await meshworkOk(remote(['device', 'allow', deviceId]));
    const allowed = startAgent(procs, state, {});
    await waitConnected(allowed, state);
    assert.ok((await devices()).some((d) => d.id === deviceId), 'enrolled again once allowed');
    await stopAgent(allowed);
  });
});
