// The real `meshwork-agent` program, run as a child process against a test double of the server:
// usage errors, first run without an install file, first run / second run counters, status while
// running and after stopping (cleanly, or killed), the run lock, reset-identity, and with a TPM the
// same device id after the whole state dir is deleted.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestServer, waitFor, type TestServer } from '../connection/testing/test-server.js';
import { tempStateDirs } from '../identity/testing/temp-dirs.js';
import { startSwtpm, type Swtpm } from '../identity/tpm/testing/swtpm.js';
import type { AgentStatusReport } from '../status/report.js';

const MAIN = fileURLToPath(new URL('../main.js', import.meta.url));
const ENV = { ...process.env, MESHWORK_AGENT_BACKOFF_SCALE: '0.01' };
const fresh = tempStateDirs('mw-cli-');

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function start(args: string[]): { child: ChildProcess; output: () => string; exited: Promise<Result> } {
  const child = spawn(process.execPath, [MAIN, ...args], { env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<Result>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, output: () => stderr, exited };
}

const cli = (...args: string[]): Promise<Result> => start(args).exited;

async function status(stateDir: string): Promise<AgentStatusReport> {
  const r = await cli('status', '--state', stateDir);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as AgentStatusReport;
}

/** Starts `run`, waits until `status` says connected; returns the process. */
async function runUntilConnected(args: string[], stateDir: string) {
  const p = start(['run', '--state', stateDir, ...args]);
  let exitedEarly: Result | undefined;
  void p.exited.then((r) => (exitedEarly = r));
  await waitFor('the agent to connect', async () => {
    if (exitedEarly) throw new Error(`the agent exited (${exitedEarly.code}): ${exitedEarly.stderr}`);
    const r = await cli('status', '--state', stateDir); // fails until the agent has made the state dir
    return r.code === 0 && (JSON.parse(r.stdout) as AgentStatusReport).connected;
  });
  return p;
}

async function stop(p: ReturnType<typeof start>): Promise<Result> {
  p.child.kill('SIGTERM');
  const r = await p.exited;
  assert.equal(r.code, 0, r.stderr);
  return r;
}

let srv: TestServer;
let installPath: string;
before(async () => {
  srv = await startTestServer();
  installPath = join(fresh(), '..', 'install.json');
  writeFileSync(installPath, JSON.stringify(srv.installFile({ enrolmentToken: 'secret-token-1' })));
});
after(async () => {
  await srv?.close();
});

describe('command line', () => {
  test('usage errors exit 2 and say what is wrong', async () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /no command given/],
      [['frobnicate'], /unknown command "frobnicate"/],
      [['run', '--state'], /--state needs a value/],
      [['run', '--nope'], /unknown option --nope/],
      [['run', '--key-provider', 'hsm', '--state', '/tmp/x'], /--key-provider must be tpm or file/],
      [['run', '--tpm', 'mssim:', '--state', '/tmp/x'], /unsupported TCTI/],
      [['run', '--log-level', 'loud', '--state', '/tmp/x'], /--log-level must be/],
      [['status', 'extra'], /unexpected argument "extra"/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.match(r.stderr, /--help/);
    }
  });

  test('--help and --version exit 0', async () => {
    const help = await cli('--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /meshwork-agent run --state DIR \[--install FILE\]/);
    assert.match(help.stdout, /reset-identity/);
    assert.equal((await cli('--version')).stdout.trim(), '0.1.0');
  });

  test('the first run without --install fails clearly and generates nothing', async () => {
    const stateDir = fresh();
    const r = await cli('run', '--state', stateDir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /the first run needs --install FILE/);
    assert.equal(existsSync(stateDir), false, 'no state dir, no key');
  });

  test('a broken install file is refused with exit 1', async () => {
    const bad = join(fresh(), '..', 'bad-install.json');
    writeFileSync(bad, JSON.stringify({ ...srv.installFile(), serverUrls: ['http://plain.example'] }));
    const r = await cli('run', '--state', fresh(), '--install', bad);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /must use https/);
  });

  test('status of a state dir that does not exist exits 1', async () => {
    const r = await cli('status', '--state', fresh());
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no agent state in/);
  });
});

describe('run and status with the file provider', () => {
  test('store-install, then run: the group enrolment key is sent, never logged (even at debug), never sent with the group id', async () => {
    const key = `mwk_${'7'.repeat(64)}`;
    const keyFile = join(fresh(), '..', 'install-key.json');
    writeFileSync(keyFile, JSON.stringify(srv.installFile({ enrolmentKey: key })));
    const stateDir = fresh();
    const stored = await cli('store-install', '--state', stateDir, '--install', keyFile);
    assert.equal(stored.code, 0, stored.stderr);
    assert.equal(statSync(join(stateDir, 'install.json')).mode & 0o777, 0o600);
    const p = await runUntilConnected(['--key-provider', 'file', '--log-level', 'debug'], stateDir);
    const s = await status(stateDir);
    const conn = srv.connections.find((c) => c.deviceId === s.deviceId);
    assert.equal(conn?.info?.enrolmentKey, key);
    assert.equal(conn?.info?.groupId, undefined, 'the group id enrols nothing and is not sent');
    await stop(p);
    assert.doesNotMatch(p.output() + stored.stdout + stored.stderr, /mwk_/, 'the enrolment key is never logged');

    const both = join(fresh(), '..', 'install-both.json');
    writeFileSync(both, JSON.stringify(srv.installFile({ enrolmentKey: key, enrolmentToken: 'secret-token-2' })));
    const refused = await cli('store-install', '--state', fresh(), '--install', both);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /both an enrolment key and an enrolment token/);
  });

  test('first run: 1 key + 1 certificate; second run (stored install file): none more, same device', async () => {
    const stateDir = fresh();
    const first = await runUntilConnected(['--install', installPath, '--key-provider', 'file'], stateDir);
    const s1 = await status(stateDir);
    assert.equal(s1.keyProvider, 'file');
    assert.deepEqual([s1.keyGenerations, s1.certGenerations], [1, 1]);
    assert.equal(s1.serverId, srv.serverId);
    assert.equal(s1.groupId, srv.installFile().groupId);
    assert.equal(s1.connected, true);
    assert.equal(s1.running, true);
    assert.equal(s1.pid, first.child.pid);
    assert.match(s1.deviceId ?? '', /^[0-9a-f]{96}$/);
    assert.ok(srv.connections.some((c) => c.deviceId === s1.deviceId && c.info?.enrolmentToken === 'secret-token-1'));

    // the state dir is private
    assert.equal(statSync(stateDir).mode & 0o777, 0o700);
    for (const f of readdirSync(stateDir)) assert.equal(statSync(join(stateDir, f)).mode & 0o777, 0o600, f);
    assert.ok(readdirSync(stateDir).includes('install.json'));
    assert.doesNotMatch(first.output(), /secret-token-1/, 'the enrolment token is never logged');

    // one agent per state dir; no reset under a running agent
    const second = await cli('run', '--state', stateDir);
    assert.equal(second.code, 1);
    assert.match(second.stderr, new RegExp(`another meshwork-agent \\(pid ${first.child.pid}\\) is running`));
    const reset = await cli('reset-identity', '--state', stateDir);
    assert.equal(reset.code, 1);
    assert.match(reset.stderr, /another meshwork-agent/);

    await stop(first);
    const stopped = await status(stateDir);
    assert.equal(stopped.connected, false);
    assert.equal(stopped.running, false);
    assert.equal(stopped.deviceId, s1.deviceId);

    const again = await runUntilConnected([], stateDir);
    const s2 = await status(stateDir);
    assert.equal(s2.deviceId, s1.deviceId);
    assert.deepEqual([s2.keyGenerations, s2.certGenerations], [1, 1], 'the second run generated nothing');
    await stop(again);
  });

  test('an agent killed without a chance to clean up is not reported connected', async () => {
    const stateDir = fresh();
    const p = await runUntilConnected(['--install', installPath, '--key-provider', 'file'], stateDir);
    p.child.kill('SIGKILL');
    await p.exited;
    const s = await status(stateDir);
    assert.equal(s.running, false);
    assert.equal(s.connected, false, 'status.json still says connected, but its process is gone');
    // and the stale lock does not block the next run
    await stop(await runUntilConnected([], stateDir));
  });

  test('reset-identity with the file provider: the key goes, the next run is a new device', async () => {
    const stateDir = fresh();
    await stop(await runUntilConnected(['--install', installPath, '--key-provider', 'file'], stateDir));
    const before_ = await status(stateDir);
    const r = await cli('reset-identity', '--state', stateDir);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { removed: string[]; previous: { deviceId: string }; deviceIdWillChange: boolean; message: string };
    assert.deepEqual(out.removed.sort(), ['identity-cert.der', 'identity-key.pem']);
    assert.equal(out.previous.deviceId, before_.deviceId);
    assert.equal(out.deviceIdWillChange, true);
    assert.match(out.message, /new device/);
    assert.equal((await status(stateDir)).deviceId, null);
    await stop(await runUntilConnected([], stateDir));
    assert.notEqual((await status(stateDir)).deviceId, before_.deviceId);
  });
});

describe('run with the TPM provider', () => {
  let tpm: Swtpm;
  before(async () => {
    tpm = await startSwtpm();
  });
  after(async () => {
    await tpm?.stop();
  });

  test('the whole state dir deleted, run again with the install file → the same device id', async () => {
    const stateDir = fresh();
    await stop(await runUntilConnected(['--install', installPath, '--tpm', tpm.tcti], stateDir));
    const s1 = await status(stateDir);
    assert.equal(s1.keyProvider, 'tpm');
    assert.deepEqual([s1.keyGenerations, s1.certGenerations], [1, 1]);
    assert.ok(!readdirSync(stateDir).includes('identity-key.pem'), 'no key file with a TPM');

    rmSync(stateDir, { recursive: true });
    await stop(await runUntilConnected(['--install', installPath, '--tpm', tpm.tcti], stateDir));
    const s2 = await status(stateDir);
    assert.equal(s2.deviceId, s1.deviceId);
    const seen = srv.connections.filter((c) => c.deviceId === s1.deviceId);
    assert.ok(seen.length >= 2, 'the server saw the same device id on both runs');
  });
});
