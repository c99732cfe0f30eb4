/**
 * The workers' relay splice sockets against a local attacker (`--workers 2`, real processes: the
 * server, a real agent, the `meshwork` CLI). Security review, issue 10, finding 1: the splice
 * directory used to be `$TMPDIR/meshwork-relay-PRIMARYPID`, a predictable name, and an existing
 * directory was accepted whoever had made it. A local user who made it first could put listeners
 * at its socket paths and receive spliced sessions: the session secret, the user, the keystrokes,
 * the device's shell. The attacker here runs as the test's user, which only makes it stronger.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent } from './support/agent.js';
import { waitFor } from './support/poll.js';
import { meshwork, meshworkOk, ProcessSet, startServer, type Proc } from './support/processes.js';

const SESSIONS = 6;
const frame = (type: number, payload: Buffer): Buffer => {
  const head = Buffer.from([type, 0, 0, 0, 0]);
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
};

describe('relay splice sockets against a local attacker', () => {
  const procs = new ProcessSet();
  const tmp = mkdtempSync(join(tmpdir(), 'meshwork-splice-attack-'));
  const data = join(tmp, 'data');
  let server: Proc;
  let deviceId = '';
  let remote: string[] = [];
  let oldDir = '';
  const heard: Buffer[] = [];
  const attackers: Server[] = [];

  before(async () => {
    const local = ['--data', data];
    await meshworkOk(['user', 'add', 'admin', '--admin', ...local], 'correct horse battery\n');
    const token = (await meshworkOk(['token', 'create', 'admin', ...local])).trim();
    await meshworkOk(['group', 'add', 'lab', ...local]);
    // The attacker makes the directory the server will use before the server gets to it, open to all.
    const s = await startServer(procs, data, 0, ['--workers', '2'], (p) => {
      oldDir = join(tmpdir(), `meshwork-relay-${String(p.child.pid)}`);
      mkdirSync(oldDir);
      chmodSync(oldDir, 0o777);
    });
    server = s.proc;
    remote = ['--server', s.url, '--token', token, '--data', data];
    const install = join(tmp, 'install.json');
    await meshworkOk(['group', 'install-file', 'lab', '--out', install, ...local]);
    startAgent(procs, join(tmp, 'agent'), { install, keyProvider: 'file' });
    deviceId = await waitFor('the device to be online', async () => {
      const devices = JSON.parse(await meshworkOk(['device', 'list', '--json', ...remote])) as { id: string; online: boolean }[];
      return devices.find((d) => d.online)?.id;
    }, { describe: () => server.tail() });
    // Whoever owns a directory can replace the sockets in it: the attacker listens at both paths,
    // says "ok" like an owner worker and records what arrives, then hangs up.
    for (const slot of [1, 2]) {
      const path = join(oldDir, `w${slot}.sock`);
      rmSync(path, { force: true });
      const attacker = createServer((socket) => {
        socket.on('error', () => undefined);
        socket.once('data', () => socket.write(frame(0x02, Buffer.from('{"ok":true}'))));
        socket.on('data', (c: Buffer) => heard.push(c));
        setTimeout(() => socket.destroy(), 500).unref();
      });
      await new Promise<void>((r) => attacker.listen(path, r));
      attackers.push(attacker);
    }
  });

  after(async () => {
    for (const a of attackers) a.close();
    await procs.killAll();
    rmSync(oldDir, { recursive: true, force: true });
    rmSync(tmp, { recursive: true, force: true });
  });

  test('a directory pre-made at the old predictable path receives nothing; sessions are spliced privately', async () => {
    for (let i = 0; i < SESSIONS && heard.length === 0; i++) {
      const r = await meshwork(['shell', deviceId, ...remote], `echo attack-marker-$((${i}*7)); exit 0\n`);
      if (heard.length > 0) break;
      assert.equal(r.code, 0, `session ${i}: ${r.stderr}\n${server.tail()}`);
      assert.match(r.stdout, new RegExp(`attack-marker-${i * 7}\\b`));
    }
    const leaked = Buffer.concat(heard).toString('latin1');
    assert.equal(leaked, '', `the attacker's sockets received: ${JSON.stringify(leaked.slice(0, 300))}`);
    assert.match(server.stdout, /relay end spliced to the worker that owns its session/, server.tail());
  });

  test('the real directory is fresh, private and ours; a connection without the cluster key is dropped unanswered', async () => {
    const dirs = readdirSync(data).filter((n) => n.startsWith('splice-'));
    assert.equal(dirs.length, 1, `splice directories in the data dir: ${dirs.join(', ')}`);
    const dir = join(data, dirs[0]!);
    const st = lstatSync(dir);
    assert.ok(st.isDirectory() && !st.isSymbolicLink());
    assert.equal(st.mode & 0o777, 0o700);
    assert.equal(st.uid, process.getuid?.());
    // Someone who can reach the socket anyway (here: the same user) and sends a hello straight away.
    const socket = createConnection(join(dir, 'w1.sock'));
    const got: Buffer[] = [];
    socket.on('data', (c: Buffer) => got.push(c));
    socket.on('error', () => undefined);
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.write(frame(0x01, Buffer.from(JSON.stringify({ end: 'agent', secret: '1'.repeat(43) }))));
    await new Promise<void>((r) => socket.once('close', () => r()));
    assert.equal(Buffer.concat(got).length, 0, 'no answer, no relay bytes');
    await waitFor('the refusal in the log', () => /did not prove the cluster key/.test(server.stdout), { describe: () => server.tail() });
    // Sessions still work.
    const r = await meshwork(['shell', deviceId, ...remote], 'echo still-$((6*7)); exit 0\n');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /still-42\b/);
    // The primary removes the directory when it stops.
    await server.stop();
    assert.deepEqual(readdirSync(data).filter((n) => n.startsWith('splice-')), []);
  });
});
