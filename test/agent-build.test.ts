/**
 * The agent executables of scripts/build-agents.mjs (dist/agent-packages, built by `npm test`'s
 * pretest): the manifest matches the files; the x64 one runs with no Node reachable (a mount
 * namespace where /usr/bin/node is /dev/null, a PATH and HOME of its own); the arm ones run under
 * qemu; each enrols against a real server and gives a terminal (so its embedded pty addon loads);
 * a second build of x64 gives the same bytes; --version and --test-fault do what they say.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './support/poll.js';
import { cleanEnv, meshwork, meshworkOk, Proc, ProcessSet, ROOT, startServer } from './support/processes.js';

interface Entry {
  platform: string;
  version: string;
  sha256: string;
  size: number;
  file: string;
  node: string;
}

const OUT = join(ROOT, 'dist', 'agent-packages');
const PLATFORMS = JSON.parse(readFileSync(join(ROOT, 'scripts', 'agent-platforms.json'), 'utf8')) as Record<string, { node: { version: string }; emulator: string[] | null }>;
const manifest = JSON.parse(readFileSync(join(OUT, 'manifest.json'), 'utf8')) as { format: number; packages: Entry[] };
const entry = (platform: string): Entry => {
  const e = manifest.packages.find((p) => p.platform === platform);
  assert.ok(e, `${platform} is in dist/agent-packages/manifest.json (run npm run build:agents)`);
  return e;
};
const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');
/** No node on this PATH: an empty directory, plus /usr/sbin (no node there). */
const noNodeEnv = (home: string): NodeJS.ProcessEnv => ({ PATH: `${join(home, 'bin')}:/usr/sbin`, HOME: home, LANG: 'C.UTF-8' });
const tmp = mkdtempSync(join(tmpdir(), 'meshwork-agent-build-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Node hidden for real: a private mount namespace with /dev/null over this node (needs root and unshare). */
const which = (bin: string): string => spawnSync('sh', ['-c', 'command -v "$1"', 'sh', bin], { encoding: 'utf8' }).stdout.trim();
const [UNSHARE, SH, MOUNT] = [which('unshare'), which('sh'), which('mount')];
const HIDE = `${MOUNT} --bind /dev/null ${process.execPath}`;
const canHideNode = !!UNSHARE && spawnSync(UNSHARE, ['-m', SH, '-c', `${HIDE} && ! ${process.execPath} --version`], { stdio: 'ignore' }).status === 0;
const hidingNode = (exe: string, args: string[]): [string, string[]] =>
  canHideNode ? [UNSHARE, ['-m', SH, '-c', `${HIDE} && exec "$0" "$@"`, exe, ...args]] : [exe, args];

describe('agent executables: dist/agent-packages', () => {
  test('manifest.json lists all three platforms, and every file matches its size and SHA-256', () => {
    assert.equal(manifest.format, 1);
    assert.deepEqual(manifest.packages.map((p) => p.platform).sort(), Object.keys(PLATFORMS).sort());
    for (const e of manifest.packages) {
      assert.deepEqual(Object.keys(e).sort(), ['file', 'node', 'platform', 'sha256', 'size', 'version']);
      assert.equal(e.file, `${e.platform}/meshwork-agent`);
      assert.equal(e.node, PLATFORMS[e.platform]?.node.version);
      const file = join(OUT, e.file);
      const st = statSync(file);
      assert.equal(st.size, e.size, `${e.file} size`);
      assert.equal(st.mode & 0o777, 0o755, `${e.file} mode`);
      assert.equal(sha256(file), e.sha256, `${e.file} sha256`);
    }
  });

  test('linux-x64 runs --version and help with no node on PATH (and none in the mount namespace when root)', () => {
    const e = entry('linux-x64');
    const home = join(tmp, 'home-version');
    mkdirSync(join(home, 'bin'), { recursive: true });
    const exe = join(OUT, e.file);
    const [cmd, args] = hidingNode(exe, ['--version']);
    const v = spawnSync(cmd, args, { env: noNodeEnv(home), encoding: 'utf8' });
    assert.equal(v.status, 0, v.stderr);
    assert.equal(v.stdout, `${e.version}\n`);
    assert.equal(v.stderr, '', 'no experimental-feature warning');
    const h = spawnSync(exe, ['help'], { env: noNodeEnv(home), encoding: 'utf8' });
    assert.equal(h.status, 0, h.stderr);
    assert.match(h.stdout, /meshwork-agent run --state DIR/);
    const bad = spawnSync(exe, ['frobnicate'], { env: noNodeEnv(home), encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown command "frobnicate"/);
  });

  for (const platform of ['linux-arm64', 'linux-armv7l']) {
    test(`${platform} runs --version and help under qemu user-mode emulation`, () => {
      const e = entry(platform);
      const emu = PLATFORMS[platform]?.emulator;
      assert.ok(emu && emu[0]);
      const home = join(tmp, `home-${platform}`);
      mkdirSync(join(home, 'bin'), { recursive: true });
      const env = { ...noNodeEnv(home), PATH: process.env.PATH ?? '/usr/bin:/bin' }; // to find qemu; node is not what runs
      const v = spawnSync(emu[0], [...emu.slice(1), join(OUT, e.file), '--version'], { env, encoding: 'utf8' });
      assert.equal(v.status, 0, v.stderr);
      assert.equal(v.stdout, `${e.version}\n`);
      const h = spawnSync(emu[0], [...emu.slice(1), join(OUT, e.file), 'help'], { env, encoding: 'utf8' });
      assert.equal(h.status, 0, h.stderr);
      assert.match(h.stdout, /meshwork-agent status --state DIR/);
    });
  }

  test('building linux-x64 again (another out dir, the pty addon compiled again) gives the same SHA-256', () => {
    const e = entry('linux-x64');
    const out = join(tmp, 'rebuild');
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-agents.mjs'), '--platform', 'linux-x64', '--version', e.version, '--out', out, '--no-native-cache'], { encoding: 'utf8', env: cleanEnv() });
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, new RegExp(`linux-x64 +${e.version.replace(/\./g, '\\.')} .* ${e.sha256} +${e.node}`));
    assert.equal(sha256(join(out, 'linux-x64', 'meshwork-agent')), e.sha256);
    const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { packages: Entry[] };
    assert.deepEqual(m.packages, [e]);
  });

  test('--version V and --test-fault exit-on-run: the executable says V, and `run` exits 70 at once', () => {
    const out = join(tmp, 'fault');
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-agents.mjs'), '--platform', 'linux-x64', '--version', '9.9.9-fault', '--test-fault', 'exit-on-run', '--out', out], { encoding: 'utf8', env: cleanEnv() });
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stderr, /WARNING: --test-fault exit-on-run/);
    const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { packages: Entry[] };
    assert.equal(m.packages[0]?.version, '9.9.9-fault');
    const exe = join(out, 'linux-x64', 'meshwork-agent');
    const home = join(tmp, 'home-fault');
    mkdirSync(join(home, 'bin'), { recursive: true });
    assert.equal(spawnSync(exe, ['--version'], { env: noNodeEnv(home), encoding: 'utf8' }).stdout, '9.9.9-fault\n');
    const run = spawnSync(exe, ['run', '--state', join(tmp, 'fault-state')], { env: noNodeEnv(home), encoding: 'utf8', timeout: 10_000 });
    assert.equal(run.status, 70, run.stderr);
    assert.match(run.stderr, /test build/);
    assert.ok(!existsSync(join(tmp, 'fault-state')), 'nothing was started');
  });
});

/**
 * Enrols the executable of `platform` against a real server and opens a terminal. x64 runs with
 * node hidden; arm64/armv7l run under qemu (so slower: function is asserted, not time).
 */
function againstServer(platform: string): void {
  describe(`agent executable (${platform}) against a real server${platform === 'linux-x64' ? ', node hidden' : ', under qemu'}`, () => {
    const procs = new ProcessSet();
    const base = join(tmp, `e2e-${platform}`);
    const data = join(base, 'data');
    const state = join(base, 'agent-state');
    const home = join(base, 'home');
    let remote: string[] = [];
    let agent: Proc | undefined;
    let deviceId = '';
    const emu = PLATFORMS[platform]?.emulator ?? null;
    const env = (): NodeJS.ProcessEnv => ({ ...noNodeEnv(home), ...(emu ? { PATH: process.env.PATH ?? '/usr/bin:/bin' } : {}), MESHWORK_AGENT_BACKOFF_SCALE: '0.01' });

    before(async () => {
      mkdirSync(join(home, 'bin'), { recursive: true });
      const local = ['--data', data];
      await meshworkOk(['user', 'add', 'admin', '--admin', ...local], 'correct horse battery\n');
      const token = (await meshworkOk(['token', 'create', 'admin', ...local])).trim();
      await meshworkOk(['group', 'add', 'lab', ...local]);
      const server = await startServer(procs, data);
      remote = ['--server', server.url, '--token', token, '--data', data];
      const installFile = join(base, 'install.json');
      await meshworkOk(['group', 'install-file', 'lab', '--out', installFile, ...local]);
      const args = ['run', '--state', state, '--install', installFile, '--key-provider', 'file', '--log-level', 'debug'];
      const own = join(OUT, entry(platform).file);
      const [cmd, argv] = emu ? [emu[0]!, [...emu.slice(1), own, ...args]] : hidingNode(own, args);
      agent = new Proc(`agent ${platform}`, spawn(cmd, argv, { env: env(), stdio: ['ignore', 'pipe', 'pipe'] }));
      // The server's word, not `meshwork-agent status`: under qemu the agent's own /proc/self/stat is
      // qemu's fake, so the status reader cannot confirm the recorded start time of the agent's pid.
      const device = await waitFor(
        `the ${platform} agent executable to be online`,
        async () => {
          if (!agent?.running) throw new Error(`the agent exited\n${agent?.tail()}`);
          const list = JSON.parse(await meshworkOk(['device', 'list', '--json', ...remote])) as { id: string; online: boolean }[];
          return list.find((d) => d.online);
        },
        { timeoutMs: 120_000, describe: () => agent?.tail() ?? '' },
      );
      deviceId = device.id;
      if (!emu) {
        const r = spawnSync(own, ['status', '--state', state], { env: noNodeEnv(home), encoding: 'utf8' });
        assert.equal(r.status, 0, r.stderr);
        assert.equal((JSON.parse(r.stdout) as { deviceId: string }).deviceId, deviceId);
      }
    });

    after(async () => {
      await agent?.stop(5000);
      await procs.killAll();
    });

    test('a terminal opens (the embedded pty addon loads)', async () => {
      const r = await meshwork(['shell', deviceId, ...remote], 'echo "pty=$(tty)"; node --version; echo "node-exit=$?"; exit 3\n');
      assert.equal(r.code, 3, `stderr: ${r.stderr}\nstdout: ${r.stdout}\n${agent?.tail()}`);
      assert.match(r.stdout, /pty=\/dev\/pts\/\d+/);
      if (!emu) assert.match(r.stdout, canHideNode ? /node-exit=12[67]/ : /node-exit=127/, 'the shell finds no node');
    });

    test('the addon was written once to <state>/native/pty-<sha256>.node (dir 0700, file 0600)', () => {
      const dir = join(state, 'native');
      assert.equal(statSync(dir).mode & 0o777, 0o700);
      const files = readdirSync(dir);
      assert.equal(files.length, 1, files.join(', '));
      const [name] = files;
      const m = /^pty-([0-9a-f]{64})\.node$/.exec(name ?? '');
      assert.ok(m, name);
      const file = join(dir, name!);
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.equal(sha256(file), m[1]);
    });
  });
}

for (const platform of Object.keys(PLATFORMS)) againstServer(platform);
