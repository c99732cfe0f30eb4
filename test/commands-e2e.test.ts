/**
 * End-to-end: commands on many devices, power and Wake-on-LAN with real processes — the server
 * (`meshwork server start`), two real agents (`meshwork-agent run`), and the `meshwork` CLI.
 * The agents' power command is a script in the test's temp dir that records its argument (no
 * machine is ever powered off), and their Wake-on-LAN target is a UDP listener on 127.0.0.1.
 *
 * Wake-on-LAN needs the machine to have an interface with a MAC address on an IPv4 network of /8 to
 * /30 (the offline agent's inventory must name one; both agents run here, so they share that network).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { eventStreamUrl, openEventStream } from '@meshwork/client';
import type { StreamServerFrame } from '@meshwork/protocol';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = join(ROOT, 'packages/cli/dist/main.js');
const AGENT = join(ROOT, 'packages/agent/dist/main.js');
const WAIT_MS = 30_000;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface DeviceJson { id: string; name: string; online: boolean }
interface EventJson { type: string; actorId: string | null; deviceId: string | null; message: string; data: Record<string, unknown> }

/** The environment without any MESHWORK_* setting of the machine running the tests. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('MESHWORK_')) env[k] = v;
  return { ...env, ...extra };
}

function cli(args: string[], input = ''): Promise<Result> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

async function ok(args: string[], input = ''): Promise<string> {
  const r = await cli(args, input);
  assert.equal(r.code, 0, `meshwork ${args.join(' ')} failed (${r.code}):\n${r.stderr}`);
  return r.stdout;
}

/** Polls `check` until it returns something truthy; fails with `label` after WAIT_MS. */
async function waitFor<T>(label: string, check: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${label}`);
    await sleep(100);
  }
}

interface Running {
  child: ChildProcess;
  exited: Promise<number | null>;
  log(): string;
}

function start(args: string[], env: Record<string, string> = {}): Running {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, exited, log: () => log };
}

async function stop(p: Running | undefined): Promise<void> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGTERM');
  await p.exited;
}

/** Running (a zombie left to a parent that never reaps it counts as gone). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** MACs of this machine's interfaces on a LAN-sized IPv4 network (/8–/30, not link-local): what Wake-on-LAN can use. */
function localMacs(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((a) => {
      const prefix = Number(a.cidr?.split('/')[1] ?? 32);
      return !a.internal && a.family === 'IPv4' && a.mac !== '00:00:00:00:00:00' && prefix >= 8 && prefix <= 30 && !a.address.startsWith('169.254.');
    })
    .map((a) => a.mac.toLowerCase());
}

describe('commands, power and Wake-on-LAN end to end', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'meshwork-commands-'));
  const data = join(tmp, 'data');
  const local = ['--data', data];
  const powerCalls = join(tmp, 'power-calls');
  let server: Running | undefined;
  const agents: Running[] = [];
  let remote: string[] = [];
  let bobRemote: string[] = [];
  let bobToken = '';
  let baseUrl = '';
  let caPath = '';
  let carolRemote: string[] = [];
  let aliceId = '';
  let one = ''; // device of agent 1 (stays online)
  let two = ''; // device of agent 2 (stopped for the wake test)
  const udp = dgram.createSocket('udp4');
  const packets: Buffer[] = [];

  before(async () => {
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
    udp.on('message', (m) => packets.push(m));
    const powerScript = join(tmp, 'power.sh');
    writeFileSync(powerScript, `#!/bin/sh\necho "$1" >> '${powerCalls}'\n`);
    chmodSync(powerScript, 0o755);

    const alice = JSON.parse(await ok(['user', 'add', 'alice', '--admin', '--json', ...local], 'alice password 1\n')) as { id: string };
    aliceId = alice.id;
    await ok(['user', 'add', 'bob', ...local], 'bobs password 1\n');
    await ok(['user', 'add', 'carol', ...local], 'carols password 1\n');
    const token = (await ok(['token', 'create', 'alice', ...local])).trim();
    bobToken = (await ok(['token', 'create', 'bob', ...local])).trim();
    const carolToken = (await ok(['token', 'create', 'carol', ...local])).trim();

    server = start([CLI, 'server', 'start', '--port', '0', '--data', data]);
    const port = await waitFor('the server to log listening', async () => {
      for (const line of server?.log().split('\n') ?? []) {
        if (!line.startsWith('{')) continue;
        try {
          const rec = JSON.parse(line) as { msg?: unknown; port?: unknown };
          if (rec.msg === 'listening' && typeof rec.port === 'number') return rec.port;
        } catch {
          // a partial line
        }
      }
      if (server?.child.exitCode !== null) assert.fail(`the server exited:\n${server?.log()}`);
      return undefined;
    });
    baseUrl = `https://127.0.0.1:${port}`;
    caPath = join(data, 'tls', 'ca.crt');
    const base = ['--server', baseUrl, '--ca', caPath];
    // Tokens from 0600 files: a --token argument would be in the process list (and warns on stderr).
    const tokenFile = (name: string, secret: string): string => {
      const file = join(tmp, `${name}.token`);
      writeFileSync(file, `${secret}\n`, { mode: 0o600 });
      return file;
    };
    remote = [...base, '--token-file', tokenFile('alice', token)];
    bobRemote = [...base, '--token-file', tokenFile('bob', bobToken)];
    carolRemote = [...base, '--token-file', tokenFile('carol', carolToken)];

    await ok(['group', 'add', 'Fleet', ...local]);
    await ok(['group', 'grant', 'Fleet', 'bob', 'chat', ...local]);
    const install = join(tmp, 'install.json');
    await ok(['group', 'install-file', 'Fleet', '--out', install, ...local]);
    const env = {
      MESHWORK_AGENT_BACKOFF_SCALE: '0.01',
      MESHWORK_AGENT_POWER_COMMAND: powerScript,
      MESHWORK_AGENT_WOL_TARGET: `127.0.0.1:${udp.address().port}`,
    };
    for (const name of ['a1', 'a2']) agents.push(start([AGENT, 'run', '--state', join(tmp, name), '--install', install, '--key-provider', 'file', '--log-level', 'debug'], env));
    const stateId = (name: string): string => (JSON.parse(readFileSync(join(tmp, name, 'state.json'), 'utf8')) as { identity: { deviceId: string } }).identity.deviceId;
    await waitFor('both agents online', async () => {
      const devices = JSON.parse(await ok(['device', 'list', '--json', ...remote])) as DeviceJson[];
      return devices.filter((d) => d.online).length === 2;
    });
    one = stateId('a1');
    two = stateId('a2');
  });

  after(async () => {
    for (const a of agents) await stop(a);
    await stop(server);
    udp.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('`run --device ID -- echo hi` prints exactly hi and exits 0', async () => {
    const r = await cli(['run', '--device', one, ...remote, '--', 'echo', 'hi']);
    assert.equal(r.stdout, 'hi\n');
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
  });

  test('the exit code is the device’s, and stderr stays stderr', async () => {
    const seven = await cli(['run', '--device', one, ...remote, '--', 'sh', '-c', 'exit 7']);
    assert.equal(seven.code, 7, seven.stderr);
    const split = await cli(['run', '--device', one, ...remote, '--', 'sh', '-c', 'printf out; printf err >&2; exit 3']);
    assert.deepEqual([split.stdout, split.stderr, split.code], ['out', 'err', 3]);
    const noShell = await cli(['run', '--device', one, ...remote, '--', 'echo', '$HOME;', 'id']);
    assert.equal(noShell.stdout, '$HOME; id\n', 'argv is not interpreted by a shell');
    const script = await cli(['run', '--device', one, '--script', 'echo "$MESHWORK_RUN_ID" | wc -c', ...remote]);
    assert.equal(script.stdout.trim(), '23');
  });

  test('`--group` runs on both devices: prefixed lines and a summary; a failure anywhere exits 1', async () => {
    const r = await cli(['run', '--group', 'Fleet', ...remote, '--', 'echo', 'hello']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n').sort();
    assert.equal(lines.length, 2);
    for (const line of lines) assert.match(line, /^\[[^\]]+\] hello$/);
    assert.match(r.stderr, /^2 devices: 2 ok, 0 failed, 0 timeout, 0 offline$/m);

    const jsonRun = await cli(['run', '--group', 'Fleet', '--json', ...remote, '--', 'sh', '-c', 'echo x; exit 4']);
    assert.equal(jsonRun.code, 1);
    const json = JSON.parse(jsonRun.stdout) as { done: boolean; devices: Array<{ state: string; exitCode: number; stdout: string }> };
    assert.equal(json.done, true);
    assert.deepEqual(json.devices.map((d) => [d.state, d.exitCode, d.stdout]), [['exited', 4, 'x\n'], ['exited', 4, 'x\n']]);
    const failing = await cli(['run', '--group', 'Fleet', ...remote, '--', 'sh', '-c', 'exit 4']);
    assert.equal(failing.code, 1);
    assert.match(failing.stderr, /2 devices: 0 ok, 2 failed/);
  });

  test('a timeout kills the command (and exits 124)', async () => {
    const pidFile = join(tmp, 'sleep.pid');
    const r = await cli(['run', '--device', one, '--timeout', '1', ...remote, '--', 'sh', '-c', `echo $$ > '${pidFile}'; exec sleep 100`]);
    assert.equal(r.code, 124, r.stderr);
    assert.match(r.stderr, /killed after the 1 s timeout/);
    assert.ok(existsSync(pidFile));
    const pid = Number(readFileSync(pidFile, 'utf8'));
    await waitFor(`sleep ${pid} to be gone`, async () => !alive(pid));
    const events = JSON.parse(await ok(['events', '--type', 'run.result', '--device', one, '--limit', '1', '--json', ...remote])) as EventJson[];
    assert.equal(events[0]?.data['state'], 'timeout');
    assert.equal(events[0]?.actorId, aliceId);
  });

  test('users without the rights are refused: 404 for what they cannot see, forbidden for what they can', async () => {
    const bobRun = await cli(['run', '--device', one, ...bobRemote, '--', 'id']);
    assert.equal(bobRun.code, 1);
    assert.match(bobRun.stderr, /\(forbidden\)$/m);
    const bobPower = await cli(['power', 'reboot', one, ...bobRemote]);
    assert.match(bobPower.stderr, /\(forbidden\)$/m);
    const bobWake = await cli(['wake', two, ...bobRemote]);
    assert.match(bobWake.stderr, /\(forbidden\)$/m);
    for (const args of [['run', '--device', one, ...carolRemote, '--', 'id'], ['power', 'shutdown', one, ...carolRemote], ['wake', two, ...carolRemote]]) {
      const r = await cli(args);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /\(not_found\)$/m, `carol: ${args[0] ?? ''}`);
    }
    assert.equal(existsSync(powerCalls), false, 'nothing was powered');
  });

  test('command output reaches the starter and runCommands holders, not every viewer of the group', async () => {
    // bob sees Fleet (chat) but may not run commands: neither his event stream nor his event list
    // may carry what alice's command printed.
    const caPem = readFileSync(caPath, 'utf8');
    class BobSocket extends WebSocket {
      constructor(u: string) {
        super(u, { ca: caPem, headers: { authorization: `Bearer ${bobToken}` } });
      }
    }
    const stream = openEventStream({ url: eventStreamUrl(baseUrl), WebSocket: BobSocket });
    // Not a timing assertion: ends the loop (and fails below) instead of hanging if no event comes.
    const guard = setTimeout(() => stream.close(), 60_000);
    const frames: StreamServerFrame[] = [];
    let sentinel = false;
    try {
      for await (const frame of stream) {
        frames.push(frame);
        if (frame.type === 'hello') {
          // The output (not the command text, which run.started shows to the group) is the secret.
          const r = await cli(['run', '--device', one, ...remote, '--', 'sh', '-c', 'echo secret-output-$((4700+11))']);
          assert.equal(r.stdout, 'secret-output-4711\n', r.stderr);
          await waitFor('the run.result event', async () => {
            const all = JSON.parse(await ok(['events', '--type', 'run.result', '--device', one, '--limit', '1', '--json', ...remote])) as EventJson[];
            return all[0]?.data['stdout'] === 'secret-output-4711\n';
          });
          // Events reach a stream in bus order: once this one (addressed to bob) arrives, run.result would have too.
          await ok(['group', 'grant', 'Fleet', 'bob', 'chat,notes', ...remote]);
        }
        if (frame.type === 'event' && frame.event.type === 'rights.granted') {
          sentinel = true;
          break;
        }
      }
    } finally {
      clearTimeout(guard);
      stream.close();
    }
    assert.ok(sentinel, `the rights.granted event reached bob's stream: ${JSON.stringify(frames)}`);
    assert.ok(!JSON.stringify(frames).includes('secret-output-4711'), `bob's stream carried the output: ${JSON.stringify(frames)}`);
    const bobsEvents = await ok(['events', '--type', 'run.result', '--json', ...bobRemote]);
    assert.ok(!bobsEvents.includes('secret-output-4711'), `bob's event list carried the output: ${bobsEvents}`);
    // With runCommands on Fleet, the output is bob's to see (he could run the command himself).
    await ok(['group', 'grant', 'Fleet', 'bob', 'chat,runCommands', ...remote]);
    assert.match(await ok(['events', '--type', 'run.result', '--json', ...bobRemote]), /secret-output-4711/);
    await ok(['group', 'grant', 'Fleet', 'bob', 'chat', ...remote]);
  });

  test('power reboot runs the injected command with "reboot" and is recorded', async () => {
    const r = await cli(['power', 'reboot', one, ...remote]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /confirmed by the agent/);
    assert.equal(readFileSync(powerCalls, 'utf8'), 'reboot\n');
    const events = JSON.parse(await ok(['events', '--type', 'device.power', '--json', ...remote])) as EventJson[];
    assert.equal(events[0]?.deviceId, one);
    assert.equal(events[0]?.actorId, aliceId);
    assert.deepEqual(events[0]?.data, { action: 'reboot' });
  });

  test('wake of an offline device makes the online agent send a valid magic packet', async () => {
    const macs = localMacs();
    assert.ok(macs.length > 0, 'this test needs an interface with a MAC address on an IPv4 network of /8 to /30 (as a networked machine or container has)');
    await waitFor('the offline agent’s inventory', async () => {
      const inv = JSON.parse(await ok(['events', '--type', 'device.inventory', '--device', two, '--json', ...remote])) as EventJson[];
      return inv.length > 0;
    });
    const a2 = agents[1];
    await stop(a2);
    await waitFor('device two offline', async () => {
      const devices = JSON.parse(await ok(['device', 'list', '--json', ...remote])) as DeviceJson[];
      return devices.find((d) => d.id === two)?.online === false;
    });
    packets.length = 0;
    const r = await cli(['wake', two, '--json', ...remote]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const result = JSON.parse(r.stdout) as { macs: string[]; agents: Array<{ deviceId: string; result: string }> };
    assert.deepEqual(result.agents.map((x) => [x.deviceId, x.result]), [[one, 'sent']]);
    const packet = await waitFor('a magic packet on the UDP listener', async () => packets[0]);
    assert.equal(packet.length, 102);
    assert.equal(packet.subarray(0, 6).toString('hex'), 'ffffffffffff');
    const mac = packet.subarray(6, 12).toString('hex');
    for (let i = 1; i < 16; i++) assert.equal(packet.subarray(6 + i * 6, 12 + i * 6).toString('hex'), mac);
    assert.ok(result.macs.map((m) => m.replace(/:/g, '')).includes(mac), `${mac} is one of ${result.macs.join(', ')}`);
    assert.ok(macs.map((m) => m.replace(/:/g, '')).includes(mac), 'it is the MAC the offline agent reported');
    const events = JSON.parse(await ok(['events', '--type', 'device.wake', '--json', ...remote])) as EventJson[];
    assert.equal(events[0]?.deviceId, two);
    assert.equal(events[0]?.actorId, aliceId);
    const online = await cli(['wake', one, ...remote]);
    assert.match(online.stderr, /\(conflict\)$/m, 'an online device is not woken');
  });
});
