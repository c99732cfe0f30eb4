/**
 * The generated install command, run for real: `sh -n` and `bash -n` parse it, and `sh` runs it
 * with a fake curl (serves a fake agent, checks the pin), a fake uname and a fake agent that
 * records what it was given. Hostile group names and URLs must arrive byte for byte and never run.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentPlatform, InstallFile } from '@meshwork/protocol';
import { installCommand, installScript, type InstallCommandInput } from './install-command.js';

const PIN = `sha256//${Buffer.alloc(32, 1).toString('base64')}`;
const HOSTILE = [
  `x'; touch PWNED; echo '`, '$(touch PWNED)', '`touch PWNED`', '"; touch PWNED; "', '\\"$(touch PWNED)\\"', 'a\nb; touch PWNED',
  '%s%n%x', "'\"'\"'", 'ünïcødé ✓ \u2028 \u0000', '-rf /', '${IFS}touch${IFS}PWNED',
];
const AGENT = '#!/bin/sh\nprintf "%s\\n" "$@" > "$MW_OUT/args"\ncat "$3" > "$MW_OUT/install.json"\necho "device id: $(printf %096d 7)"\n';
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

// The fake curl: records its arguments; refuses another pin (as curl does, exit 90); writes the payload.
const CURL = `#!/bin/sh
printf '%s\\n' "$@" > "$MW_OUT/curl-args"
out=""; pin=""; url=""
while [ $# -gt 0 ]; do
  case "$1" in
    -o) out="$2"; shift 2 ;;
    --pinnedpubkey) pin="$2"; shift 2 ;;
    --proto) shift 2 ;;
    -*) shift ;;
    *) url="$1"; shift ;;
  esac
done
printf '%s' "$url" > "$MW_OUT/url"
[ "$pin" = "$MW_PIN" ] || { echo "curl: (90) SSL: public key does not match pinned public key" >&2; exit 90; }
cat "$MW_PAYLOAD" > "$out"
`;

interface Run { status: number | null; stdout: string; stderr: string; out: string }

describe('install command', () => {
  let root: string;
  let bin: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'mw-install-cmd-'));
    bin = join(root, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'curl'), CURL);
    writeFileSync(join(bin, 'uname'), '#!/bin/sh\nprintf "%s\\n" "$MW_MACHINE"\n');
    writeFileSync(join(bin, 'id'), '#!/bin/sh\necho "${MW_UID:-0}"\n');
    writeFileSync(join(bin, 'getconf'), '#!/bin/sh\necho "${MW_LONG_BIT:-64}"\n');
    for (const f of ['curl', 'uname', 'id', 'getconf']) chmodSync(join(bin, f), 0o755);
    writeFileSync(join(root, 'agent'), AGENT);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const file = (groupName: string, url = 'https://mesh.example:8443'): InstallFile => ({
    serverUrls: [url], serverId: 'a'.repeat(96), groupId: 'b'.repeat(96), groupName, enrolmentKey: `mwk_${'c'.repeat(64)}`,
  });
  const download = (platform: AgentPlatform, url: string, payload = AGENT) => ({ platform, url, sha256: sha(payload) });

  /** Runs the command as a user would paste it, in a fresh working directory. */
  function run(command: string, env: Record<string, string> = {}, payload = AGENT): Run {
    const out = mkdtempSync(join(root, 'out-'));
    const cwd = mkdtempSync(join(root, 'cwd-'));
    const tmp = mkdtempSync(join(root, 'tmp-'));
    writeFileSync(join(out, 'payload'), payload);
    const r = spawnSync('sh', ['-c', command], {
      cwd, encoding: 'utf8',
      env: { PATH: `${bin}:/usr/bin:/bin`, TMPDIR: tmp, MW_OUT: out, MW_PIN: PIN, MW_PAYLOAD: join(out, 'payload'), MW_MACHINE: 'x86_64', ...env },
    });
    assert.deepEqual(readdirSync(cwd), [], 'nothing is written to the working directory');
    assert.deepEqual(readdirSync(tmp), [], 'the temporary directory is removed');
    assert.equal(existsSync(join(root, 'PWNED')), false);
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, out };
  }

  it('parses with sh -n and bash -n, and holds no single quote inside', () => {
    for (const name of HOSTILE) {
      const printable = name.replace(/[\u0000-\u001f]/g, '');
      const input: InstallCommandInput = { file: file(name, `https://${name}:1`), downloads: [download('linux-x64', `https://h/${printable}`), download('linux-arm64', 'https://h/a')], serverPin: PIN };
      const cmd = installCommand(input);
      const script = installScript(input);
      assert.equal(cmd, `sh -c '${script}'`);
      assert.ok(!script.includes("'"));
      assert.ok(!/[\n\r]/.test(cmd), 'one line');
      for (const sh of ['sh', 'bash']) {
        const f = join(root, 'cmd.sh');
        writeFileSync(f, cmd);
        assert.equal(spawnSync(sh, ['-n', f]).status, 0, `${sh} -n of the command`);
        assert.equal(spawnSync(sh, ['-n', '-c', script]).status, 0, `${sh} -n of the script`);
      }
    }
  });

  it('downloads, checks and installs with the install file byte for byte, whatever the names and URLs hold', () => {
    for (const name of HOSTILE) {
      const url = `https://127.0.0.1:8443/api/v1/agent/packages/linux-x64?link=${name.replace(/[\u0000-\u001f]/g, '')}`;
      const f = file(name, `https://${name}/`);
      const r = run(installCommand({ file: f, downloads: [download('linux-x64', url)], serverPin: PIN }));
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /device id: 0{95}7/);
      assert.equal(readFileSync(join(r.out, 'url'), 'utf8'), url, 'curl got the URL as one argument');
      assert.deepEqual(JSON.parse(readFileSync(join(r.out, 'install.json'), 'utf8')), f);
      const args = readFileSync(join(r.out, 'args'), 'utf8').split('\n');
      assert.equal(args[0], 'install');
      assert.equal(args[1], '--install');
      assert.match(args[2] ?? '', /\/meshwork-install\.json$/);
      const curlArgs = readFileSync(join(r.out, 'curl-args'), 'utf8');
      for (const a of ['-fsS', '-k', '--pinnedpubkey', PIN, '--proto', '=https']) assert.ok(curlArgs.split('\n').includes(a), a);
    }
  });

  it('picks the package by uname -m, and refuses an unknown machine', () => {
    const cmd = installCommand({
      file: file('g'),
      downloads: [download('linux-x64', 'https://h/x64'), download('linux-arm64', 'https://h/arm64'), download('linux-armv7l', 'https://h/armv7l')],
      serverPin: PIN,
    });
    const cases: Array<[string, string]> = [['x86_64', 'x64'], ['aarch64', 'arm64'], ['arm64', 'arm64'], ['armv7l', 'armv7l'], ['armv8l', 'armv7l']];
    for (const [machine, want] of cases) {
      const r = run(cmd, { MW_MACHINE: machine });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(readFileSync(join(r.out, 'url'), 'utf8'), `https://h/${want}`, machine);
    }
    const userland32 = run(cmd, { MW_MACHINE: 'aarch64', MW_LONG_BIT: '32' });
    assert.equal(userland32.status, 0, userland32.stderr);
    assert.equal(readFileSync(join(userland32.out, 'url'), 'utf8'), 'https://h/armv7l', 'a 64-bit kernel with a 32-bit userland gets armv7l');
    const r = run(cmd, { MW_MACHINE: 'mips64' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /no agent for machine type mips64/);
    assert.equal(existsSync(join(r.out, 'curl-args')), false, 'nothing downloaded');
  });

  it('refuses another file, another server key, and a non-root shell; nothing runs', () => {
    const cmd = installCommand({ file: file('g'), downloads: [download('linux-x64', 'https://h/x64')], serverPin: PIN });
    const tampered = run(cmd, {}, `${AGENT}# tampered\n`);
    assert.notEqual(tampered.status, 0);
    assert.match(tampered.stderr, /does not match its pinned SHA-256; nothing installed/);
    assert.equal(existsSync(join(tampered.out, 'args')), false, 'the tampered file never ran');
    const otherKey = run(cmd, { MW_PIN: `sha256//${Buffer.alloc(32, 2).toString('base64')}` });
    assert.notEqual(otherKey.status, 0);
    assert.match(otherKey.stderr, /download refused/);
    assert.equal(existsSync(join(otherKey.out, 'args')), false);
    const user = run(cmd, { MW_UID: '1000' });
    assert.equal(user.status, 1);
    assert.match(user.stderr, /run this as root/);
  });

  it('a download stopped by a signal leaves no temporary directory', async () => {
    const slow = join(root, 'slow-bin');
    mkdirSync(slow);
    writeFileSync(join(slow, 'curl'), '#!/bin/sh\n: > "$MW_OUT/started"\nexec sleep 30\n');
    chmodSync(join(slow, 'curl'), 0o755);
    const out = mkdtempSync(join(root, 'out-'));
    const tmp = mkdtempSync(join(root, 'tmp-'));
    const cmd = installCommand({ file: file('g'), downloads: [download('linux-x64', 'https://h/x64')], serverPin: PIN });
    const child = spawn('sh', ['-c', cmd], { detached: true, stdio: 'ignore', env: { PATH: `${slow}:${bin}:/usr/bin:/bin`, TMPDIR: tmp, MW_OUT: out } });
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    for (let i = 0; i < 100 && !existsSync(join(out, 'started')); i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(readdirSync(tmp).length, 1, 'the download is under way in its temporary directory');
    process.kill(-(child.pid ?? 0), 'SIGTERM');
    assert.notEqual(await exited, 0);
    // The pasted `sh -c` may outlive the outer shell by a moment: wait for its exit trap.
    for (let i = 0; i < 100 && readdirSync(tmp).length > 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(readdirSync(tmp), [], 'removed after SIGTERM');
  });

  it('refuses to build a command from values that are not base64 or hex', () => {
    assert.throws(() => installCommand({ file: file('g'), downloads: [{ platform: 'linux-x64', url: 'https://h', sha256: `'; reboot; '` }], serverPin: PIN }));
    assert.throws(() => installCommand({ file: file('g'), downloads: [download('linux-x64', 'https://h')], serverPin: "sha256//'x" }));
    assert.throws(() => installCommand({ file: file('g'), downloads: [download('linux-x64', 'https://h/\u0000')], serverPin: PIN }));
  });
});
