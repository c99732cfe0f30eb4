/**
 * The agent as a product (issue 11), end to end with real parts:
 *
 *   - the self-contained linux-x64 executable, installed by the one-liner that
 *     `meshwork group install-command` prints, inside a throwaway mount namespace where Node is not
 *     reachable (support/device-root.ts); files, modes and the systemd unit as documented
 *     (`systemd-analyze verify`); a wrong certificate pin or a tampered package installs nothing;
 *     a hostile group name cannot reach the shell
 *   - that agent, run the way systemd runs the unit (support/device-root.ts `serviceLoop`), enrols and
 *     serves a terminal, a file transfer and a command
 *   - self-update: the server publishes v2 → the agent comes back as v2; a v3 that exits at start →
 *     the agent returns to v2 by itself; a package whose bytes changed is never run
 *
 * The arm64 and armv7l executables under qemu user-mode emulation (enrol, terminal) and the build
 * itself (reproducible, no Node needed) are in agent-build.test.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Device } from '@meshwork/protocol';
import { apiClient, type Api } from './support/api.js';
import { inDevice, makeDeviceRoot, serviceLoop, type DeviceRoot } from './support/device-root.js';
import { waitFor } from './support/poll.js';
import { meshwork, meshworkJson, meshworkOk, ProcessSet, ROOT, startServer, type Proc, type ServerProc } from './support/processes.js';

const PACKAGES = join(ROOT, 'dist', 'agent-packages');
const BUILD_AGENTS = join(ROOT, 'scripts', 'build-agents.mjs');
const UNIT = '/etc/systemd/system/meshwork-agent.service';

interface Manifest {
  packages: { platform: string; version: string; sha256: string; size: number; file: string }[];
}
interface InstallCommand {
  command: string;
  platforms: { platform: string; sha256: string; size: number; version: string }[];
  serverPin: string;
}

const sha256File = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');

/** Builds the x64 agent with another version (and optionally a fault) into `out`. */
function buildVariant(out: string, version: string, extra: string[] = []): void {
  const r = spawnSync(process.execPath, [BUILD_AGENTS, '--platform', 'linux-x64', '--version', version, '--out', out, ...extra], { cwd: ROOT, encoding: 'utf8', timeout: 600_000 });
  assert.equal(r.status, 0, `build-agents ${version} failed:\n${r.stdout}\n${r.stderr}`);
}

describe('agent product: the x64 executable installed by the one-liner, as a service, updating itself', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'mw-product-e2e-'));
  const data = join(tmp, 'data');
  const local = ['--data', data];
  const procs = new ProcessSet();
  const v2Dir = join(tmp, 'packages-v2');
  const v3Dir = join(tmp, 'packages-v3');
  let srv: ServerProc | undefined;
  const server = (): ServerProc => {
    assert.ok(srv, 'the server is started');
    return srv;
  };
  let token: string;
  let admin: Api;
  let root: DeviceRoot;
  let device: Proc | undefined;
  let deviceId = '';
  let v1 = '';
  const stopFile = join(tmp, 'stop-service');
  const remote = (): string[] => ['--server', server().url, '--token', token, ...local];

  const startWith = async (packagesDir: string): Promise<void> => {
    const port = srv?.port ?? 0;
    if (srv) await srv.proc.stop();
    srv = await startServer(procs, data, port, ['--agent-packages', packagesDir]);
  };

  const installCommand = async (group: string, extra: string[] = []): Promise<InstallCommand> =>
    meshworkJson<InstallCommand>([...remote(), 'group', 'install-command', group, '--platform', 'linux-x64', ...extra]); // the API token before the command: its --token is the enrolment token's

  /** Runs a one-liner in a fresh device namespace; resolves with its result. */
  const runOneLiner = async (r: DeviceRoot, command: string) => {
    const p = inDevice(r, command);
    return p.exited;
  };

  const devices = async (): Promise<Device[]> => (await admin.get<Device[]>('/api/v1/devices')).body;
  const agentVersionOf = async (id: string): Promise<string | undefined> => {
    const rows = (await admin.get<{ deviceId: string; version: string | null }[]>(`/api/v1/agent/updates?deviceId=${id}`)).body;
    return rows.find((r) => r.deviceId === id)?.version ?? undefined;
  };
  const installedCurrent = (): string => readlinkSync(join(root.usrLocal, 'lib', 'meshwork-agent', 'current'));

  before(async () => {
    const manifest = JSON.parse(readFileSync(join(PACKAGES, 'manifest.json'), 'utf8')) as Manifest;
    const x64 = manifest.packages.find((p) => p.platform === 'linux-x64');
    assert.ok(x64, 'dist/agent-packages has the linux-x64 executable (npm run build:agents)');
    v1 = x64.version;
    buildVariant(v2Dir, `${v1}-e2e.2`);
    buildVariant(v3Dir, `${v1}-e2e.3`, ['--test-fault', 'exit-on-run']);

    await meshworkOk(['user', 'add', 'admin', '--admin', ...local], 'e2e admin password\n');
    token = (await meshworkOk(['token', 'create', 'admin', ...local])).trim();
    await startWith(PACKAGES);
    admin = apiClient(server().url, data, token);
  });

  after(async () => {
    writeFileSync(stopFile, '');
    if (device) await device.stop(15_000);
    await procs.killAll();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('the server lists its packages with the hashes of the files', async () => {
    const listed = (await admin.get<{ platform: string; sha256: string; size: number; version: string }[]>('/api/v1/agent/packages')).body;
    const manifest = JSON.parse(readFileSync(join(PACKAGES, 'manifest.json'), 'utf8')) as Manifest;
    for (const p of manifest.packages) {
      const l = listed.find((x) => x.platform === p.platform);
      assert.ok(l, `${p.platform} listed`);
      assert.equal(l.sha256, sha256File(join(PACKAGES, p.file)));
      assert.equal(l.size, statSync(join(PACKAGES, p.file)).size);
    }
    const anonymous = await apiClient(server().url, data).get<unknown>('/api/v1/agent/packages');
    assert.equal(anonymous.status, 401);
  });

  test('a hostile group name never reaches the shell; a wrong pin or hash installs nothing', async () => {
    const marker = `/tmp/mwp-${randomBytes(4).toString('hex')}`; // short: group names are ≤ 128 characters
    const hostile = `x'"; touch ${marker}; $(touch ${marker}) \`touch ${marker}\``;
    await meshworkOk(['group', 'add', hostile, ...local]);
    const ic = await installCommand(hostile);
    assert.equal(spawnSync('sh', ['-n', '-c', ic.command]).status, 0, 'the command parses as sh');

    // Another certificate than the pinned one: curl refuses before any byte of the package moves.
    const otherPin = createHash('sha256').update(randomBytes(32)).digest('base64');
    const r1 = makeDeviceRoot(join(tmp, 'root-wrong-pin'));
    const wrongPin = await runOneLiner(r1, ic.command.split(ic.serverPin).join(otherPin));
    assert.notEqual(wrongPin.code, 0, 'a wrong certificate pin fails');
    assert.ok(!existsSync(join(r1.usrLocal, 'lib', 'meshwork-agent')), 'nothing installed');
    assert.ok(!existsSync(join(r1.varLib, 'meshwork-agent')), 'no state dir');

    // Another file than the pinned one: the hash check refuses it before anything runs.
    const otherHash = createHash('sha256').update(randomBytes(32)).digest('hex');
    const r2 = makeDeviceRoot(join(tmp, 'root-wrong-hash'));
    const wrongHash = await runOneLiner(r2, ic.command.split(ic.platforms[0]?.sha256 ?? '').join(otherHash));
    assert.notEqual(wrongHash.code, 0, 'a wrong package hash fails');
    assert.ok(!existsSync(join(r2.usrLocal, 'lib', 'meshwork-agent')), 'nothing installed');
    assert.ok(!existsSync(join(r2.varLib, 'meshwork-agent')), 'no state dir');

    // The right command for the hostile group installs (and nothing was injected anywhere).
    const r3 = makeDeviceRoot(join(tmp, 'root-hostile'));
    const good = await runOneLiner(r3, ic.command);
    assert.equal(good.code, 0, `${good.stdout}\n${good.stderr}`);
    assert.match(good.stdout, /device id: [0-9a-f]{96}/);
    assert.ok(!existsSync(marker), 'no injected command ran');
    rmSync(marker, { force: true });
    const purge = await inDevice(r3, '/usr/local/bin/meshwork-agent uninstall --purge').exited;
    assert.equal(purge.code, 0, `${purge.stdout}\n${purge.stderr}`);
    for (const gone of [join(r3.usrLocal, 'lib', 'meshwork-agent'), join(r3.usrLocal, 'bin', 'meshwork-agent'), join(r3.varLib, 'meshwork-agent'), join(r3.systemd, 'meshwork-agent.service')]) {
      assert.ok(!existsSync(gone), `--purge removed ${gone}`);
    }
  });

  test('the one-liner installs the files, modes and unit the docs describe; running it again is harmless', async () => {
    await meshworkOk(['group', 'add', 'Fleet', ...local]);
    const ic = await installCommand('Fleet');
    root = makeDeviceRoot(join(tmp, 'root'));
    const first = await runOneLiner(root, ic.command);
    assert.equal(first.code, 0, `${first.stdout}\n${first.stderr}`);
    assert.match(first.stdout + first.stderr, /systemd is not running/i, 'says there is no systemd and how to run it by hand');
    deviceId = /device id: ([0-9a-f]{96})/.exec(first.stdout)?.[1] ?? '';
    assert.ok(deviceId, first.stdout);

    const lib = join(root.usrLocal, 'lib', 'meshwork-agent');
    const exe = join(lib, 'versions', v1, 'meshwork-agent');
    assert.equal(statSync(exe).mode & 0o777, 0o755);
    assert.equal(sha256File(exe), ic.platforms[0]?.sha256, 'the installed executable is the pinned package');
    assert.equal(installedCurrent().replace(/\/$/, ''), `versions/${v1}`);
    assert.ok(lstatSync(join(root.usrLocal, 'bin', 'meshwork-agent')).isSymbolicLink());
    const state = join(root.varLib, 'meshwork-agent');
    assert.equal(statSync(state).mode & 0o777, 0o700, 'the state dir is 0700');
    assert.equal(statSync(join(state, 'install.json')).mode & 0o777, 0o600);
    const unit = readFileSync(join(root.systemd, 'meshwork-agent.service'), 'utf8');
    assert.match(unit, /^ExecStart=\/usr\/local\/lib\/meshwork-agent\/current\/meshwork-agent run --state \/var\/lib\/meshwork-agent$/m);
    assert.match(unit, /^ExecStartPre=\/usr\/local\/lib\/meshwork-agent\/good\/meshwork-agent update-guard --state \/var\/lib\/meshwork-agent$/m);
    assert.match(unit, /^Restart=always$/m);

    const verify = await inDevice(root, `systemd-analyze verify ${UNIT}`).exited;
    assert.equal(verify.code, 0, `systemd-analyze verify:\n${verify.stdout}\n${verify.stderr}`);

    const again = await runOneLiner(root, ic.command);
    assert.equal(again.code, 0, `${again.stdout}\n${again.stderr}`);
    assert.match(again.stdout, new RegExp(`device id: ${deviceId}`), 'the same device after a re-run');
  });

  test('run as the unit says, with no Node reachable: enrols, then a terminal, a file transfer and a command work', async () => {
    device = inDevice(root, serviceLoop(UNIT, stopFile), { MESHWORK_AGENT_BACKOFF_SCALE: '0.01' });
    await waitFor('the installed agent online', async () => (await devices()).find((d) => d.id === deviceId && d.online), { timeoutMs: 60_000, describe: () => device?.tail() ?? '' });

    const shell = await meshwork(['shell', deviceId, ...remote()], 'echo "$((6*7)) from $(uname -m)"; exit 4\n');
    assert.equal(shell.code, 4, `${shell.stdout}\n${shell.stderr}`);
    assert.match(shell.stdout, /42 from x86_64/);

    const src = join(tmp, 'payload.bin');
    writeFileSync(src, randomBytes(1024 * 1024 + 7));
    const dest = '/var/lib/meshwork-agent-e2e-payload.bin'; // inside the device's /var/lib
    const put = JSON.parse(await meshworkOk(['files', 'put', deviceId, src, dest, '--json', ...remote()])) as { sha256: string };
    assert.equal(put.sha256, sha256File(src));
    assert.equal(sha256File(join(root.varLib, 'meshwork-agent-e2e-payload.bin')), sha256File(src), 'the bytes landed on the device');
    const back = join(tmp, 'back.bin');
    await meshworkOk(['files', 'get', deviceId, dest, back, ...remote()]);
    assert.equal(sha256File(back), sha256File(src));

    const run = await meshwork(['run', '--device', deviceId, ...remote(), '--', 'sh', '-c', 'echo ran; exit 3']);
    assert.equal(run.code, 3, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /ran/);
  });

  test('self-update: the server publishes v2 and the agent comes back as v2', async () => {
    const v2 = `${v1}-e2e.2`;
    await startWith(v2Dir);
    await waitFor(`the agent back as ${v2}`, async () => (await agentVersionOf(deviceId)) === v2 && (await devices()).find((d) => d.id === deviceId && d.online), {
      timeoutMs: 120_000,
      describe: () => device?.tail() ?? '',
    });
    await waitFor('the update reported as updated', async () => {
      const updates = await meshworkJson<{ deviceId: string; state: string }[]>(['agent', 'updates', ...remote()]);
      return updates.find((u) => u.deviceId === deviceId)?.state === 'updated';
    }, { timeoutMs: 60_000, describe: () => device?.tail() ?? '' });
    assert.equal(installedCurrent().replace(/\/$/, ''), `versions/${v2}`, device?.tail());
    assert.equal(readlinkSync(join(root.usrLocal, 'lib', 'meshwork-agent', 'good')).replace(/\/$/, ''), `versions/${v2}`, device?.tail());
  });

  test('a v3 that exits at start: the agent returns to v2 by itself and reports it; v3 is not offered again', async () => {
    const v2 = `${v1}-e2e.2`;
    const v3 = `${v1}-e2e.3`;
    await startWith(v3Dir);
    await waitFor('the rollback reported', async () => {
      const updates = await meshworkJson<{ deviceId: string; state: string }[]>(['agent', 'updates', ...remote()]);
      return updates.find((u) => u.deviceId === deviceId)?.state === 'rolled-back';
    }, { timeoutMs: 180_000, describe: () => device?.tail() ?? '' });
    await waitFor(`the agent online as ${v2}`, async () => (await agentVersionOf(deviceId)) === v2 && (await devices()).find((d) => d.id === deviceId && d.online), { timeoutMs: 60_000, describe: () => device?.tail() ?? '' });
    assert.equal(installedCurrent().replace(/\/$/, ''), `versions/${v2}`);
    assert.match(device?.stdout ?? '', /service: exited 70/, 'v3 did start and exit');
    // Stays on v2: no second offer of v3 (the agent would be swapped again).
    const before = (device?.stdout.match(/service: exited/g) ?? []).length;
    await new Promise((r) => setTimeout(r, 5000));
    assert.equal((device?.stdout.match(/service: exited/g) ?? []).length, before, 'no more restarts');
  });

  test('a package whose bytes changed after the server recorded them is never run', async () => {
    const tampered = join(tmp, 'packages-tampered');
    cpSync(v2Dir, tampered, { recursive: true });
    const m = JSON.parse(readFileSync(join(tampered, 'manifest.json'), 'utf8')) as Manifest;
    // Another version in the manifest, so the agent (on v2) is offered it.
    m.packages = m.packages.map((p) => ({ ...p, version: `${v1}-e2e.4` }));
    writeFileSync(join(tampered, 'manifest.json'), JSON.stringify(m));
    await startWith(tampered);
    // The file is changed after the server has hashed it at start.
    const file = join(tampered, m.packages[0]?.file ?? '');
    const bytes = readFileSync(file);
    const at = bytes.length - 100;
    bytes.writeUInt8(bytes.readUInt8(at) ^ 0xff, at);
    writeFileSync(file, bytes);
    const listed = await admin.get<unknown>('/api/v1/agent/packages/linux-x64');
    assert.notEqual(listed.status, 200, 'the server refuses to serve it');
    await waitFor('the failed update reported', async () => {
      const updates = await meshworkJson<{ deviceId: string; state: string }[]>(['agent', 'updates', ...remote()]);
      return updates.find((u) => u.deviceId === deviceId)?.state === 'failed';
    }, { timeoutMs: 60_000, describe: () => device?.tail() ?? '' });
    assert.ok(!existsSync(join(root.usrLocal, 'lib', 'meshwork-agent', 'versions', `${v1}-e2e.4`, 'meshwork-agent')), 'never installed');
    assert.equal(installedCurrent().replace(/\/$/, ''), `versions/${v1}-e2e.2`);
  });

  test('uninstall removes what install installed, keeping the state unless --purge', async () => {
    writeFileSync(stopFile, '');
    await device?.stop(15_000);
    device = undefined;
    const keep = await inDevice(root, '/usr/local/bin/meshwork-agent uninstall').exited;
    assert.equal(keep.code, 0, `${keep.stdout}\n${keep.stderr}`);
    assert.ok(!existsSync(join(root.usrLocal, 'lib', 'meshwork-agent')));
    assert.ok(!existsSync(join(root.usrLocal, 'bin', 'meshwork-agent')));
    assert.ok(!existsSync(join(root.systemd, 'meshwork-agent.service')));
    assert.ok(existsSync(join(root.varLib, 'meshwork-agent', 'install.json')), 'state kept');
  });
});
