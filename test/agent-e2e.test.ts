/**
 * End-to-end tests of issue 3 with real processes only: `meshwork server start` on 127.0.0.1 with a
 * real SQLite data dir, the real `meshwork-agent run` program (file key, or a key in swtpm), and the
 * `meshwork` CLI in local mode for setup and for reading devices and events. Every wait is a
 * bounded poll (support/poll.ts); every child is killed in `after`, also when a test failed.
 *
 * The tests share one server and run in order; each scenario uses its own state dirs and, where
 * it counts devices, its own device group. The server restart comes last.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSwtpm, type Swtpm } from '@meshwork/agent/identity/tpm/testing/swtpm';
import { canonicalJson, REPORT_PART_BYTES, type Device, type DeviceSoftware, type Event, type InstallFile, type ServerInfo } from '@meshwork/protocol';
import { agentStatus, startAgent, stopAgent, waitConnected, waitForStatus } from './support/agent.js';
import { apiClient, type Api } from './support/api.js';
import { waitFor } from './support/poll.js';
import { meshworkJson, meshworkOk, ProcessSet, startServer, type ServerProc } from './support/processes.js';

const HEX96 = /^[0-9a-f]{96}$/;

describe('agent end to end (real server, real agent processes)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'mw-agent-e2e-'));
  const data = join(tmp, 'data');
  const local = ['--data', data];
  const procs = new ProcessSet();
  let tpm: Swtpm | undefined;
  let server: ServerProc;
  let api: Api;
  let serverInfo: ServerInfo;
  let stateCount = 0;
  const newStateDir = (name: string) => join(tmp, `state-${++stateCount}-${name}`);

  /** Creates a device group and writes its install file (after the server started: it names the server's URL). */
  async function group(name: string, extra: string[] = []): Promise<{ id: string; install: string; file: InstallFile }> {
    await meshworkOk(['group', 'add', name, ...local]);
    const install = join(tmp, `install-${name}.json`);
    const file = await meshworkJson<InstallFile>(['group', 'install-file', name, '--out', install, ...extra, ...local]);
    return { id: file.groupId, install, file };
  }

  const deviceList = (args: string[] = []) => meshworkJson<Device[]>(['device', 'list', ...args, ...local]);
  const events = (args: string[]) => meshworkJson<Event[]>(['events', ...args, ...local]);

  async function apiDevices(): Promise<Device[]> {
    const r = await api.get<Device[]>('/api/v1/devices');
    assert.equal(r.status, 200);
    return r.body;
  }

  /** Polls the API until the device is listed with the given online state. */
  const waitOnline = (deviceId: string, online: boolean) =>
    waitFor(`device ${deviceId.slice(0, 12)}… online=${online} in GET /api/v1/devices`, async () => {
      const d = (await apiDevices()).find((x) => x.id === deviceId);
      return d?.online === online ? d : undefined;
    });

  before(async () => {
    await meshworkOk(['user', 'add', 'admin', '--admin', ...local], 'e2e admin password\n');
    const token = (await meshworkOk(['token', 'create', 'admin', ...local])).trim();
    server = await startServer(procs, data);
    api = apiClient(server.url, data, token);
    serverInfo = (await api.get<ServerInfo>('/api/v1/server')).body;
    assert.match(serverInfo.serverId, HEX96);
  });

  after(async () => {
    await procs.killAll();
    await tpm?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  describe('enrolment with the group install file, status, restart', () => {
    let main: Awaited<ReturnType<typeof group>>;
    const state = newStateDir('main');
    let deviceId = '';

    before(async () => {
      main = await group('Main');
      assert.deepEqual(main.file.serverUrls, [server.url]);
      assert.equal(main.file.enrolmentToken, undefined);
    });

    test('first run enrols: listed online in its group under the id `status` reports; inventory reaches the server', async () => {
      const agent = startAgent(procs, state, { install: main.install, keyProvider: 'file' });
      const s = await waitConnected(agent, state);
      assert.match(s.deviceId ?? '', HEX96);
      deviceId = s.deviceId ?? '';
      assert.equal(s.keyProvider, 'file');
      assert.deepEqual([s.keyGenerations, s.certGenerations], [1, 1], 'first run: one key, one certificate');
      assert.equal(s.serverId, serverInfo.serverId, "status.serverId is the server's /api/v1/server serverId");
      assert.equal(s.groupId, main.id);
      assert.equal(s.enrolled, true);
      assert.equal(s.connected, true);

      // The CLI (local mode) and the REST API (HTTPS, the server's CA, bearer token) agree.
      const listed = (await deviceList()).find((d) => d.id === deviceId);
      assert.ok(listed, 'meshwork device list --json lists the device');
      assert.equal(listed.groupId, main.id);
      assert.equal(listed.online, true);
      const viaApi = await waitOnline(deviceId, true);
      assert.equal(viaApi.groupId, main.id);
      assert.equal((await apiClient(server.url, data).get('/api/v1/devices')).status, 401, 'the device list needs a token');

      // Inventory: the server stores the reported OS as the device's `os`.
      const withOs = await waitFor('GET /api/v1/devices/:id to show an os', async () => {
        const r = await api.get<Device>(`/api/v1/devices/${deviceId}`);
        return r.status === 200 && r.body.os !== null ? r.body : undefined;
      });
      assert.ok((withOs.os ?? '').trim().length > 0);
      // Installed software: on a dpkg/rpm machine larger than one report part, so it goes in
      // acknowledged parts; the server stores it under the hash the agent computed.
      const line = await waitFor("the agent's log of the software report", () => /sent the software report (\{.*\})/.exec(agent.stderr)?.[1], { describe: () => agent.tail() });
      const logged = JSON.parse(line) as { hash: string; bytes: number; parts?: number };
      if (logged.bytes > REPORT_PART_BYTES) assert.ok((logged.parts ?? 0) > 1, `${logged.bytes} bytes: sent in parts (${line})`);
      else assert.equal(logged.parts, undefined);
      const software = await waitFor('GET /api/v1/devices/:id/software', async () => {
        const r = await api.get<DeviceSoftware>(`/api/v1/devices/${deviceId}/software`);
        return r.status === 200 && r.body.updatedAt !== null ? r.body : undefined;
      });
      const stored = createHash('sha256').update(canonicalJson({ source: software.source, packages: software.packages })).digest('hex');
      assert.equal(stored, logged.hash, 'the reassembled report is the one the agent hashed');
      const enrolled = await events(['--device', deviceId, '--type', 'device.enrolled']);
      assert.equal(enrolled.length, 1);
      assert.deepEqual(enrolled[0]?.data, { via: 'key' });
      await stopAgent(agent);
    });

    test('stopped: status says not connected, the device goes offline with a device.offline event', async () => {
      assert.ok(deviceId, 'needs the first test');
      const s = await agentStatus(state);
      assert.equal(s.connected, false);
      assert.equal(s.running, false);
      assert.equal(s.deviceId, deviceId);
      assert.equal(s.serverId, serverInfo.serverId);
      const offline = await waitFor('device list --json to show the device offline', async () => {
        const d = (await deviceList()).find((x) => x.id === deviceId);
        return d?.online === false ? d : undefined;
      });
      assert.ok(offline.lastSeen !== null);
      const ev = await events(['--device', deviceId, '--type', 'device.offline']);
      assert.ok(ev.length >= 1, 'a device.offline event');
      assert.equal(ev[0]?.deviceId, deviceId);
    });

    test('second run with only --state: no new key or certificate, the same device, online again', async () => {
      assert.ok(deviceId, 'needs the first test');
      const before = (await apiDevices()).length;
      const agent = startAgent(procs, state);
      const s = await waitConnected(agent, state);
      assert.equal(s.deviceId, deviceId);
      assert.deepEqual([s.keyGenerations, s.certGenerations], [1, 1], 'second run: zero new keys and certificates');
      assert.equal(s.groupId, main.id);
      await waitOnline(deviceId, true);
      assert.equal((await apiDevices()).length, before, 'no new device');
      await stopAgent(agent);
      assert.equal((await agentStatus(state)).connected, false);
    });
  });

  test('TPM (swtpm): the whole state dir deleted → the same device id, still one device at the server', async () => {
    tpm = await startSwtpm(); // fails (never skips) naming the install command when swtpm is missing
    const g = await group('Tpm');
    const state = newStateDir('tpm');
    const first = startAgent(procs, state, { install: g.install, tpm: tpm.tcti });
    const s1 = await waitConnected(first, state);
    assert.equal(s1.keyProvider, 'tpm');
    assert.equal(s1.tpm, tpm.tcti);
    assert.deepEqual([s1.keyGenerations, s1.certGenerations], [1, 1]);
    const deviceId = s1.deviceId ?? '';
    assert.match(deviceId, HEX96);
    await waitOnline(deviceId, true);
    const count = (await apiDevices()).length;
    await stopAgent(first);

    rmSync(state, { recursive: true });
    const second = startAgent(procs, state, { install: g.install, tpm: tpm.tcti });
    const s2 = await waitConnected(second, state);
    assert.equal(s2.deviceId, deviceId, 'the key is re-derived in the TPM: the same device id');
    assert.deepEqual([s2.keyGenerations, s2.certGenerations], [1, 1], 'a fresh state dir counts its own provisioning');
    await waitOnline(deviceId, true);
    const devices = await apiDevices();
    assert.equal(devices.length, count, 'device count unchanged');
    assert.deepEqual(devices.filter((d) => d.groupId === g.id).map((d) => d.id), [deviceId], 'one device in the group, with that id');
    assert.equal((await events(['--device', deviceId, '--type', 'device.enrolled'])).length, 1, 'enrolled once');
    await stopAgent(second);
  });

  test('file provider: the state dir deleted → a new device id, two devices at the server', async () => {
    const g = await group('Files');
    const state = newStateDir('files');
    const first = startAgent(procs, state, { install: g.install, keyProvider: 'file' });
    const id1 = (await waitConnected(first, state)).deviceId ?? '';
    await stopAgent(first);
    rmSync(state, { recursive: true });
    const second = startAgent(procs, state, { install: g.install, keyProvider: 'file' });
    const s2 = await waitConnected(second, state);
    const id2 = s2.deviceId ?? '';
    assert.match(id2, HEX96);
    assert.notEqual(id2, id1, 'a deleted file key is a new identity (documented)');
    assert.deepEqual([s2.keyGenerations, s2.certGenerations], [1, 1]);
    await waitOnline(id2, true);
    const inGroup = await deviceList(['--group', 'Files']);
    assert.deepEqual(inGroup.map((d) => d.id).sort(), [id1, id2].sort());
    await stopAgent(second);
  });

  describe('enrolment refusals', () => {
    test('a one-use enrolment token enrols one agent; a second new agent with it is refused and not listed', async () => {
      const g = await group('Tokens', ['--token', '--max-uses', '1']);
      assert.match(g.file.enrolmentToken ?? '', /^mwe_/);
      const stateA = newStateDir('token-a');
      const a = startAgent(procs, stateA, { install: g.install, keyProvider: 'file' });
      const idA = (await waitConnected(a, stateA)).deviceId ?? '';
      await waitOnline(idA, true);
      const enrolled = await events(['--device', idA, '--type', 'device.enrolled']);
      assert.equal(enrolled[0]?.data['via'], 'token');

      const stateB = newStateDir('token-b');
      const b = startAgent(procs, stateB, { install: g.install, keyProvider: 'file' });
      const sb = await waitForStatus('the second agent to be refused', b, stateB, (s) => s.lastError !== null);
      assert.equal(sb.connected, false);
      assert.equal(sb.enrolled, false);
      assert.match(sb.lastError ?? '', /refused by the server: bad_enrolment_token/);
      assert.match(sb.deviceId ?? '', HEX96);
      const listed = await deviceList();
      assert.ok(!listed.some((d) => d.id === sb.deviceId), 'the refused device is not listed');
      assert.deepEqual((await deviceList(['--group', 'Tokens'])).map((d) => d.id), [idA]);
      assert.equal(b.running, true, 'a refused agent keeps running (and waits as the server asked)');
      await stopAgent(b);
      await stopAgent(a);
    });

    test('an install file with only a group id (an existing group), no key and no token: refused not_enrolled, not listed', async () => {
      const { enrolmentKey: _key, ...main } = JSON.parse(readFileSync(join(tmp, 'install-Main.json'), 'utf8')) as InstallFile;
      const forged = join(tmp, 'install-forged.json');
      writeFileSync(forged, JSON.stringify(main), { mode: 0o600 });
      const state = newStateDir('forged');
      const agent = startAgent(procs, state, { install: forged, keyProvider: 'file' });
      const s = await waitForStatus('the agent to be refused', agent, state, (x) => x.lastError !== null);
      assert.equal(s.connected, false);
      assert.match(s.lastError ?? '', /refused by the server: not_enrolled/);
      assert.ok(!(await deviceList()).some((d) => d.id === s.deviceId), 'not listed');
      await stopAgent(agent);
    });
  });

  test('newest connection wins: two copies of one state dir → device.superseded', async () => {
    const g = await group('Clones');
    const stateA = newStateDir('clone-a');
    // A larger backoff than elsewhere: the two copies keep taking the device from each other.
    const a = startAgent(procs, stateA, { install: g.install, keyProvider: 'file', backoffScale: '0.1' });
    const deviceId = (await waitConnected(a, stateA)).deviceId ?? '';
    const stateB = newStateDir('clone-b');
    cpSync(stateA, stateB, { recursive: true });
    rmSync(join(stateB, 'agent.pid'), { force: true }); // the copy's lock names A's (live) process
    rmSync(join(stateB, 'status.json'), { force: true });
    const b = startAgent(procs, stateB, { backoffScale: '0.1' });
    const superseded = await waitFor('a device.superseded event', async () => {
      const ev = await events(['--device', deviceId, '--type', 'device.superseded']);
      return ev.length > 0 ? ev : undefined;
    });
    assert.equal(superseded[0]?.deviceId, deviceId);
    assert.equal((await agentStatus(stateB)).deviceId, deviceId, 'the copy is the same device');
    await waitFor("an agent's lastError to name the supersession", async () => {
      const both = await Promise.all([agentStatus(stateA), agentStatus(stateB)]);
      return both.some((s) => /superseded/.test(s.lastError ?? ''));
    });
    assert.deepEqual((await deviceList(['--group', 'Clones'])).map((d) => d.id), [deviceId], 'one device, not two');
    await stopAgent(b);
    await stopAgent(a);
  });

  test('server restart on the same port and data dir: the agent comes back by itself', async () => {
    const main = join(tmp, 'install-Main.json');
    const state = newStateDir('restart');
    const agent = startAgent(procs, state, { install: main, keyProvider: 'file' });
    const deviceId = (await waitConnected(agent, state)).deviceId ?? '';
    await waitOnline(deviceId, true);

    const stopped = await server.proc.stop();
    assert.equal(stopped.code, 0, `the server did not stop cleanly\n${server.proc.tail()}`);
    await waitForStatus('the agent to notice the server left', agent, state, (s) => !s.connected);
    // The server said `later` (with a spread), and the agent waited as told rather than by its backoff.
    await waitFor("the agent's log of the server's `later`", () => /disconnected .*"reason":"later"/.test(agent.stderr), { describe: () => agent.tail() });
    await waitFor('the agent to wait as the server asked', () => /reconnecting later .*"reason":"server"/.test(agent.stderr), { describe: () => agent.tail() });
    const whileDown = (await deviceList()).find((d) => d.id === deviceId);
    assert.equal(whileDown?.online, false, 'offline while the server is down');

    server = await startServer(procs, data, server.port);
    await waitConnected(agent, state);
    await waitOnline(deviceId, true);
    assert.equal(agent.running, true);
    await stopAgent(agent);
  });
});
