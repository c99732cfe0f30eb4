/**
 * Agent packages through the real server process (bin.js --agent-packages DIR): the list, downloads
 * with a login and with a link, refusals, and the install command run with the real curl against
 * this server — pinned to its certificate key and the package hash; a tampered package or another
 * pin installs nothing. The "agent" is a small shell script that records what it was given.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeDir, startWithAdmin, type Browser, type ServerProc } from '../testing/server-process.js';
import { writeFakePackages } from './testing.js';

const AGENT = (v: string): string =>
  `#!/bin/sh\n# meshwork-agent ${v}\nprintf "%s\\n" "$@" > "$MW_OUT/args"\ncat "$3" > "$MW_OUT/install.json"\necho "device id: $(printf %096d 1)"\n`;

describe('agent packages on a real server', () => {
  let server: ServerProc;
  let admin: Browser;
  let pkgDir: string;
  let work: string;
  let groupId: string;
  before(async () => {
    pkgDir = writeFakePackages([{ platform: 'linux-x64', version: '0.2.0', content: AGENT('x64') }, { platform: 'linux-arm64', version: '0.2.0', content: AGENT('arm64') }]);
    work = mkdtempSync(join(tmpdir(), 'mw-install-real-'));
    ({ server, admin } = await startWithAdmin('admin', 'correct horse battery', ['--agent-packages', pkgDir]));
    const g = await admin.call('POST', '/api/v1/groups', { body: { name: `it's "ours"; $(reboot)` } });
    assert.equal(g.status, 200, g.text);
    groupId = (g.json as { id: string }).id;
  });
  after(async () => {
    await server.stop('SIGKILL');
    removeDir(server.dataDir);
    rmSync(pkgDir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  /** Runs an install command with the real curl; a fake uname picks the machine. */
  function runCommand(command: string, machine = 'x86_64'): { status: number | null; stderr: string; out: string; stdout: string } {
    const out = mkdtempSync(join(work, 'out-'));
    const tmp = mkdtempSync(join(work, 'tmp-'));
    const bin = join(work, 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'uname'), `#!/bin/sh\necho ${machine}\n`);
    chmodSync(join(bin, 'uname'), 0o755);
    const r = spawnSync('sh', ['-c', command], { encoding: 'utf8', env: { PATH: `${bin}:/usr/bin:/bin`, TMPDIR: tmp, MW_OUT: out }, timeout: 30_000 });
    assert.deepEqual(readdirSync(tmp), [], 'the temporary directory is removed');
    return { status: r.status, stderr: r.stderr, stdout: r.stdout, out };
  }

  it('lists the packages to a logged-in user only', async () => {
    const r = await admin.call('GET', '/api/v1/agent/packages');
    assert.equal(r.status, 200, r.text);
    const list = r.json as Array<{ platform: string; version: string; sha256: string; size: number }>;
    assert.deepEqual(list.map((p) => [p.platform, p.version, p.size]).sort(), [['linux-arm64', '0.2.0', AGENT('arm64').length], ['linux-x64', '0.2.0', AGENT('x64').length]]);
    assert.equal((await server.req('GET', '/api/v1/agent/packages')).status, 401);
  });

  it('downloads with a login; without one only with a valid link', async () => {
    const r = await admin.call('GET', '/api/v1/agent/packages/linux-x64');
    assert.equal(r.status, 200);
    assert.equal(r.text, AGENT('x64'));
    assert.equal(r.headers['content-type'], 'application/octet-stream');
    assert.equal(r.headers['content-length'], String(AGENT('x64').length));
    const anon = await server.req('GET', '/api/v1/agent/packages/linux-x64');
    assert.equal(anon.status, 401);
    const bad = await server.req('GET', `/api/v1/agent/packages/linux-x64?link=linux-x64.9999999999999.${'A'.repeat(43)}`);
    assert.equal(bad.status, 403);
    assert.equal((bad.json as { code: string }).code, 'link_invalid');
    assert.equal((await admin.call('GET', '/api/v1/agent/packages/linux-armv7l')).status, 404);
    assert.equal((await admin.call('GET', '/api/v1/agent/packages/windows-x64')).status, 400);
  });

  it('install command: real curl, pinned to this server, installs with the group install file', async () => {
    const c = await admin.call('GET', `/api/v1/groups/${groupId}/install-command`);
    assert.equal(c.status, 200, c.text);
    const body = c.json as { command: string; expiresAt: string; platforms: Array<{ platform: string }>; serverPin: string };
    assert.deepEqual(body.platforms.map((p) => p.platform).sort(), ['linux-arm64', 'linux-x64']);
    assert.match(body.serverPin, /^sha256\/\/[A-Za-z0-9+/]{43}=$/);
    assert.ok(Date.parse(body.expiresAt) > Date.now());
    const ok = runCommand(body.command, 'aarch64');
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /device id: 0{95}1/);
    const file = JSON.parse(readFileSync(join(ok.out, 'install.json'), 'utf8')) as { groupId: string; groupName: string; enrolmentKey?: string; serverUrls: string[] };
    assert.equal(file.groupId, groupId);
    assert.equal(file.groupName, `it's "ours"; $(reboot)`);
    assert.match(file.enrolmentKey ?? '', /^mwk_/);
    assert.deepEqual(file.serverUrls, [server.url]);
    assert.deepEqual(readFileSync(join(ok.out, 'args'), 'utf8').split('\n').slice(0, 2), ['install', '--install']);

    const one = await admin.call('GET', `/api/v1/groups/${groupId}/install-command?platform=linux-x64`);
    const x64 = runCommand((one.json as { command: string }).command, 'mips');
    assert.equal(x64.status, 0, x64.stderr);
    assert.equal((await admin.call('GET', `/api/v1/groups/${groupId}/install-command?platform=linux-armv7l`)).status, 409);

    // Another server key: curl refuses at the TLS handshake; nothing runs.
    const otherPin = body.command.replace(body.serverPin, `sha256//${Buffer.alloc(32, 9).toString('base64')}`);
    const refused = runCommand(otherPin, 'aarch64');
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /download refused/);
    assert.equal(existsSync(join(refused.out, 'args')), false);
  });

  it('a package changed on disk after start is refused, by the server and by the command', async () => {
    const c = await admin.call('GET', `/api/v1/groups/${groupId}/install-command?platform=linux-arm64`);
    appendFileSync(join(pkgDir, 'linux-arm64/meshwork-agent'), 'echo tampered\n');
    const r = await admin.call('GET', '/api/v1/agent/packages/linux-arm64');
    assert.equal(r.status, 503);
    assert.equal((r.json as { code: string }).code, 'agent_package_changed');
    const run = runCommand((c.json as { command: string }).command, 'aarch64');
    assert.notEqual(run.status, 0);
    assert.equal(existsSync(join(run.out, 'args')), false, 'nothing ran');
  });
});

describe('agent-package links on two workers', () => {
  let server: ServerProc;
  let admin: Browser;
  let pkgDir: string;
  before(async () => {
    pkgDir = writeFakePackages([{ platform: 'linux-x64', content: AGENT('x64') }]);
    ({ server, admin } = await startWithAdmin('admin', 'correct horse battery', ['--agent-packages', pkgDir, '--workers', '2']));
  });
  after(async () => {
    await server.stop('SIGTERM');
    removeDir(server.dataDir);
    rmSync(pkgDir, { recursive: true, force: true });
  });

  it('a link made by one worker downloads from either', async () => {
    const g = await admin.call('POST', '/api/v1/groups', { body: { name: 'w' } });
    const c = await admin.call('GET', `/api/v1/groups/${(g.json as { id: string }).id}/install-command`);
    assert.equal(c.status, 200, c.text);
    const url = /u="([A-Za-z0-9+/=]+)"/.exec((c.json as { command: string }).command)?.[1];
    assert.ok(url);
    const path = new URL(Buffer.from(url, 'base64').toString('utf8')).pathname + new URL(Buffer.from(url, 'base64').toString('utf8')).search;
    const made = c.headers['x-meshwork-worker'];
    const seen = new Set<string>();
    for (let i = 0; i < 12 && seen.size < 2; i++) {
      const r = await server.req('GET', path);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.text, AGENT('x64'));
      seen.add(String(r.headers['x-meshwork-worker']));
    }
    assert.deepEqual([...seen].sort(), ['1', '2'], `made on worker ${String(made)}, downloaded on both`);
  });
});
