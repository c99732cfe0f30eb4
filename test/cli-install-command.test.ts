/**
 * `meshwork agent packages` and `meshwork group install-command` against a real server started
 * with `--agent-packages` (a fake packages directory): the printed command parses with `sh -n`,
 * runs with the real curl against the server (a fake agent records the install file it got), and
 * the token variants carry what they should.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFakePackages } from '@meshwork/server/agent-packages/testing';
import { meshwork, meshworkOk, ProcessSet, startServer, type ServerProc } from './support/processes.js';

const AGENT = '#!/bin/sh\ncat "$3" > "$MW_OUT/install.json"\necho "device id: $(printf %096d 2)"\n';

interface PackageJson { platform: string; version: string; sha256: string; size: number }
interface CommandJson { command: string; expiresAt: string; platforms: PackageJson[]; serverPin: string }

describe('meshwork group install-command and agent packages', () => {
  const procs = new ProcessSet();
  const tmp = mkdtempSync(join(tmpdir(), 'meshwork-cli-install-'));
  const data = join(tmp, 'data');
  const pkgs = writeFakePackages([{ platform: 'linux-x64', version: '0.3.0', content: AGENT }, { platform: 'linux-armv7l', version: '0.3.0', content: AGENT }], join(tmp, 'packages'));
  let server: ServerProc;
  let remote: string[] = [];
  before(async () => {
    await meshworkOk(['user', 'add', 'alice', '--admin', '--data', data], 'correct horse battery\n');
    const token = (await meshworkOk(['token', 'create', 'alice', '--name', 'e2e', '--data', data])).trim();
    await meshworkOk(['group', 'add', 'Lab; $(reboot)', '--data', data]);
    server = await startServer(procs, data, 0, ['--agent-packages', pkgs]);
    remote = ['--server', server.url, '--token', token, '--ca', join(data, 'tls', 'ca.crt')];
  });
  after(async () => {
    await procs.killAll();
    rmSync(tmp, { recursive: true, force: true });
  });

  function runInstall(command: string, machine: string): { status: number | null; stderr: string; file: Record<string, unknown> | null } {
    const out = mkdtempSync(join(tmp, 'out-'));
    const bin = join(tmp, 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'uname'), `#!/bin/sh\necho ${machine}\n`);
    chmodSync(join(bin, 'uname'), 0o755);
    const r = spawnSync('sh', ['-c', command], { encoding: 'utf8', env: { PATH: `${bin}:/usr/bin:/bin`, MW_OUT: out }, timeout: 30_000 });
    let file: Record<string, unknown> | null = null;
    try { file = JSON.parse(readFileSync(join(out, 'install.json'), 'utf8')) as Record<string, unknown>; } catch { /* not run */ }
    return { status: r.status, stderr: r.stderr, file };
  }

  test('agent packages lists what the server serves', async () => {
    const list = JSON.parse(await meshworkOk([...remote, 'agent', 'packages', '--json'])) as PackageJson[];
    assert.deepEqual(list.map((p) => `${p.platform} ${p.version} ${p.size}`).sort(), [`linux-armv7l 0.3.0 ${AGENT.length}`, `linux-x64 0.3.0 ${AGENT.length}`]);
    const human = await meshworkOk([...remote, 'agent', 'packages']);
    assert.match(human, /^PLATFORM\s+VERSION\s+SIZE\s+SHA256/);
    assert.match(human, /^linux-x64\s+0\.3\.0\s+\d+\s+[0-9a-f]{64}$/m);
  });

  test('group install-command prints one line that installs with the group key', async () => {
    const r = await meshwork([...remote, 'group', 'install-command', 'Lab; $(reboot)']);
    assert.equal(r.code, 0, r.stderr);
    const command = r.stdout.trimEnd();
    assert.ok(!command.includes('\n'));
    assert.match(command, /^sh -c '/);
    assert.match(r.stderr, /linux-x64 0\.3\.0, linux-armv7l 0\.3\.0|linux-armv7l 0\.3\.0, linux-x64 0\.3\.0/);
    const f = join(tmp, 'cmd.sh');
    writeFileSync(f, command);
    assert.equal(spawnSync('sh', ['-n', f]).status, 0);
    const run = runInstall(command, 'armv7l');
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.file?.groupName, 'Lab; $(reboot)');
    assert.match(String(run.file?.enrolmentKey), /^mwk_/);
    const none = runInstall(command, 'aarch64');
    assert.equal(none.status, 1);
    assert.match(none.stderr, /no agent for machine type aarch64/);
  });

  test('--platform, --json, --new-token and --token ID', async () => {
    const one = JSON.parse(await meshworkOk([...remote, 'group', 'install-command', 'Lab; $(reboot)', '--platform', 'linux-x64', '--json'])) as CommandJson;
    assert.deepEqual(one.platforms.map((p) => p.platform), ['linux-x64']);
    assert.equal(runInstall(one.command, 'whatever').status, 0, 'one platform: no uname check');
    const bad = await meshwork([...remote, 'group', 'install-command', 'Lab; $(reboot)', '--platform', 'linux-mips']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown platform linux-mips/);
    const missing = await meshwork([...remote, 'group', 'install-command', 'Lab; $(reboot)', '--platform', 'linux-arm64']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no agent package for linux-arm64/);

    const fresh = await meshwork([...remote, 'group', 'install-command', 'Lab; $(reboot)', '--new-token', '--max-uses', '2']);
    assert.equal(fresh.code, 0, fresh.stderr);
    const tokenId = /created enrolment token (\S+)/.exec(fresh.stderr)?.[1];
    assert.ok(tokenId);
    const withToken = runInstall(fresh.stdout.trimEnd(), 'x86_64');
    assert.equal(withToken.status, 0, withToken.stderr);
    assert.equal(typeof withToken.file?.enrolmentToken, 'string');
    assert.equal(withToken.file?.enrolmentKey, undefined);

    const again = await meshwork([...remote, 'group', 'install-command', 'Lab; $(reboot)', '--token', tokenId]);
    assert.equal(again.code, 0, again.stderr);
    const noSecret = runInstall(again.stdout.trimEnd(), 'x86_64');
    assert.equal(noSecret.status, 0, noSecret.stderr);
    assert.equal(noSecret.file?.enrolmentToken, undefined);
    assert.equal(noSecret.file?.enrolmentKey, undefined);
  });
});
