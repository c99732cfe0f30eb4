/**
 * The linux-arm64 and linux-armv7l agent executables, run under qemu user-mode emulation (Debian's
 * qemu-user-static, called directly with the cross libc as its prefix: binfmt_misc is not needed),
 * enrol against a real server and serve a terminal (the pty addon built for that architecture
 * loads and runs a shell). These assert function, not time: the first start is slow under qemu.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Device } from '@meshwork/protocol';
import { apiClient, type Api } from './support/api.js';
import { waitFor } from './support/poll.js';
import { meshwork, meshworkOk, Proc, ProcessSet, ROOT, startServer, type ServerProc } from './support/processes.js';

const PACKAGES = join(ROOT, 'dist', 'agent-packages');
const EMULATORS = {
  'linux-arm64': { qemu: 'qemu-aarch64-static', prefix: '/usr/aarch64-linux-gnu', machine: 'aarch64', arch: 'arm64' },
  'linux-armv7l': { qemu: 'qemu-arm-static', prefix: '/usr/arm-linux-gnueabihf', machine: 'armv7l', arch: 'arm' },
} as const;

describe('arm agent executables under qemu user-mode emulation', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'mw-qemu-e2e-'));
  const data = join(tmp, 'data');
  const local = ['--data', data];
  const procs = new ProcessSet();
  const agents: Proc[] = [];
  let server: ServerProc;
  let admin: Api;
  let token = '';
  let manifest: { packages: { platform: string; version: string; file: string }[] };

  before(async () => {
    manifest = JSON.parse(readFileSync(join(PACKAGES, 'manifest.json'), 'utf8')) as typeof manifest;
    await meshworkOk(['user', 'add', 'admin', '--admin', ...local], 'e2e admin password\n');
    token = (await meshworkOk(['token', 'create', 'admin', ...local])).trim();
    await meshworkOk(['group', 'add', 'Boards', ...local]);
    server = await startServer(procs, data, 0, ['--agent-packages', PACKAGES]);
    await meshworkOk(['group', 'install-file', 'Boards', '--out', join(tmp, 'install.json'), ...local]); // names the running server's URL
    admin = apiClient(server.url, data, token);
  });

  after(async () => {
    await Promise.all(agents.map((a) => a.stop(5000)));
    await procs.killAll();
    rmSync(tmp, { recursive: true, force: true });
  });

  for (const [platform, emu] of Object.entries(EMULATORS)) {
    test(`${platform}: --version, enrols, and a terminal runs a shell`, async () => {
      const pkg = manifest.packages.find((p) => p.platform === platform);
      assert.ok(pkg, `dist/agent-packages has ${platform} (npm run build:agents)`);
      const exe = join(PACKAGES, pkg.file);
      const env = { PATH: '/usr/bin:/bin', HOME: join(tmp, `home-${platform}`), SHELL: '/bin/sh', LANG: 'C.UTF-8', QEMU_LD_PREFIX: emu.prefix, MESHWORK_AGENT_BACKOFF_SCALE: '0.01' };

      const version = await new Proc(`${platform} --version`, spawn(emu.qemu, [exe, '--version'], { env, stdio: ['ignore', 'pipe', 'pipe'] })).exited;
      assert.equal(version.code, 0, version.stderr);
      assert.match(version.stdout, new RegExp(pkg.version.replace(/\./g, '\\.')));

      const state = join(tmp, `state-${platform}`);
      // Under qemu the agent's own /proc/self/stat is qemu's, so `meshwork-agent status` cannot confirm
      // the running agent: the server's list says which device is new and online.
      const known = new Set((await admin.get<Device[]>('/api/v1/devices')).body.map((d) => d.id));
      const agent = new Proc(platform, spawn(emu.qemu, [exe, 'run', '--state', state, '--install', join(tmp, 'install.json'), '--key-provider', 'file', '--log-level', 'debug'], { env, stdio: ['ignore', 'pipe', 'pipe'] }));
      agents.push(agent);
      const online = await waitFor(`the ${platform} agent online`, async () => {
        if (!agent.running) throw new Error(`the agent exited\n${agent.tail()}`);
        return (await admin.get<Device[]>('/api/v1/devices')).body.find((d) => !known.has(d.id) && d.online);
      }, { timeoutMs: 180_000, describe: () => agent.tail() });

      const remote = ['--server', server.url, '--token', token, ...local];
      const shell = await meshwork(['shell', online.id, ...remote], 'echo "pty $((20+22))"; exit 0\n');
      const inventory = await waitFor('the inventory', async () => {
        const r = await admin.get<{ system?: { arch?: string } | null }>(`/api/v1/devices/${online.id}/inventory`);
        return r.status === 200 && r.body.system ? r.body.system : undefined;
      }, { timeoutMs: 120_000, describe: () => agent.tail() });
      assert.equal(inventory.arch, emu.arch, 'the device reports the emulated architecture');
      assert.equal(shell.code, 0, `${shell.stdout}\n${shell.stderr}\n${agent.tail()}`);
      assert.match(shell.stdout, /pty 42/);
    });
  }
});
