// `meshwork-agent install` / `uninstall` into temporary roots with a fake executable (the real
// self-contained one is tested by test/agent-build and the lead's e2e): files, modes, links, the
// unit (checked by `systemd-analyze verify`), re-running, keeping or wiping the state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../cli/cli.js';
import type { CliIo } from '../cli/io.js';
import { BIN_TARGET, UNIT_PATH } from './layout.js';
import { fakeRoots } from './testing/fake-versions.js';
import { unitText } from './unit.js';
import { PRODUCT_VERSION } from '@meshwork/protocol/version';
import { acquireLock } from '../status/lock.js';

const roots = fakeRoots();
const mode = (p: string) => statSync(p).mode & 0o777;
const installFile = (dir: string, extra: object = {}) => {
  const p = join(dir, 'meshwork-install.json');
  writeFileSync(p, JSON.stringify({ serverUrls: ['https://mesh.example:8443'], serverId: 'a'.repeat(96), groupId: 'b'.repeat(96), groupName: 'Lab', enrolmentToken: 'tok', ...extra }));
  return p;
};

async function cli(argv: string[], self?: CliIo['self']): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { stdout: (t) => void (out += t), stderr: (t) => void (err += t), env: {}, untilSignal: () => new Promise(() => undefined), ...(self ? { self } : {}) });
  return { code, out, err };
}

test('install into a root: the layout, modes, links, state and unit the README describes; the device id last', async () => {
  const r = roots();
  const exe = r.script('meshwork-agent', PRODUCT_VERSION);
  const file = installFile(join(r.root, '..'));
  const umask = process.umask(0o077); // as the one-liner runs it
  const res = await cli(['install', '--install', file, '--root', r.root], { execPath: exe, selfContained: true }).finally(() => process.umask(umask));
  assert.equal(res.code, 0, res.err);
  const lines = res.out.trim().split('\n');
  const deviceId = /^device id: ([0-9a-f]{96})$/.exec(lines.at(-1) ?? '')?.[1];
  assert.ok(deviceId, `last line: ${lines.at(-1)}`);
  const l = r.layout;
  const installed = join(l.versions, PRODUCT_VERSION, 'meshwork-agent');
  assert.equal(readFileSync(installed, 'utf8'), readFileSync(exe, 'utf8'));
  assert.equal(mode(installed), 0o755);
  for (const dir of [join(l.versions, PRODUCT_VERSION), l.versions, l.lib, join(l.bin, '..'), join(l.unit, '..')]) assert.equal(mode(dir), 0o755, dir);
  assert.equal(readlinkSync(l.current), `versions/${PRODUCT_VERSION}`);
  assert.equal(readlinkSync(l.good), `versions/${PRODUCT_VERSION}`);
  assert.equal(readlinkSync(l.bin), BIN_TARGET);
  assert.equal(readFileSync(l.bin, 'utf8'), readFileSync(exe, 'utf8'), 'the bin link reaches the executable');
  assert.equal(mode(l.state), 0o700);
  assert.equal(mode(join(l.state, 'install.json')), 0o600);
  assert.equal(JSON.parse(readFileSync(join(l.state, 'install.json'), 'utf8')).enrolmentToken, 'tok');
  assert.equal(JSON.parse(readFileSync(join(l.state, 'state.json'), 'utf8')).identity.deviceId, deviceId);
  assert.equal(readFileSync(l.unit, 'utf8'), unitText());
  assert.equal(mode(l.unit), 0o644);
  assert.equal(readlinkSync(join(r.root, 'etc/systemd/system/multi-user.target.wants/meshwork-agent.service')), UNIT_PATH);
  const unit = unitText();
  for (const line of [
    'ExecStartPre=/usr/local/lib/meshwork-agent/good/meshwork-agent update-guard --state /var/lib/meshwork-agent',
    'ExecStart=/usr/local/lib/meshwork-agent/current/meshwork-agent run --state /var/lib/meshwork-agent',
    'Environment=MESHWORK_AGENT_SERVICE=systemd',
    'Restart=always',
  ]) {
    assert.ok(unit.split('\n').includes(line), line);
  }

  // Re-running is harmless: same device, same files, a stale version dir and update.json cleared.
  mkdirSync(join(l.versions, '0.0.1'));
  writeFileSync(join(l.state, 'update.json'), '{}');
  const again = await cli(['install', '--install', file, '--root', r.root, '--no-start'], { execPath: installed, selfContained: true });
  assert.equal(again.code, 0, again.err);
  assert.equal(again.out.trim().split('\n').at(-1), `device id: ${deviceId}`);
  assert.equal(existsSync(join(l.versions, '0.0.1')), false);
  assert.equal(existsSync(join(l.state, 'update.json')), false);
  assert.equal(readFileSync(installed, 'utf8'), readFileSync(exe, 'utf8'), 'installing from the installed copy keeps it whole');

  // Uninstall keeps the state; --purge removes it.
  const un = await cli(['uninstall', '--root', r.root]);
  assert.equal(un.code, 0, un.err);
  for (const p of [l.lib, l.unit, l.bin, join(r.root, 'etc/systemd/system/multi-user.target.wants/meshwork-agent.service')]) {
    assert.equal(existsSync(p) || isLink(p), false, `${p} removed`);
  }
  assert.ok(existsSync(join(l.state, 'state.json')), 'state kept');
  const back = await cli(['install', '--install', file, '--root', r.root, '--no-start'], { execPath: exe, selfContained: true });
  assert.equal(back.out.trim().split('\n').at(-1), `device id: ${deviceId}`, 'reinstalled: the same device');
  assert.equal((await cli(['uninstall', '--purge', '--root', r.root])).code, 0);
  assert.equal(existsSync(l.state), false, 'purged');
});

const isLink = (p: string) => {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
};

test('the generated unit passes `systemd-analyze verify` inside the installed root', async () => {
  const r = roots();
  const exe = r.script('meshwork-agent', PRODUCT_VERSION);
  const res = await cli(['install', '--install', installFile(join(r.root, '..')), '--root', r.root, '--no-start'], { execPath: exe, selfContained: true });
  assert.equal(res.code, 0, res.err);
  // verify resolves the unit's dependencies (sysinit.target …) inside the root: give it the system's units.
  cpSync('/lib/systemd/system', join(r.root, 'usr/lib/systemd/system'), { recursive: true });
  const v = spawnSync('systemd-analyze', ['verify', `--root=${r.root}`, UNIT_PATH], { encoding: 'utf8' });
  assert.equal(v.status, 0, v.stderr);
  assert.equal(`${v.stdout}${v.stderr}`.trim(), '', 'no warnings either');
});

test('install refuses, writing nothing: a bad install file; a checkout (not the self-contained executable)', async () => {
  const r = roots();
  const exe = r.script('meshwork-agent', PRODUCT_VERSION);
  const bad = installFile(join(r.root, '..'), { serverUrls: ['http://plain.example'] });
  const res = await cli(['install', '--install', bad, '--root', r.root], { execPath: exe, selfContained: true });
  assert.equal(res.code, 1);
  assert.match(res.err, /must use https/);
  assert.equal(existsSync(r.layout.lib), false);
  const checkout = await cli(['install', '--install', installFile(join(r.root, '..')), '--root', r.root], { execPath: process.execPath, selfContained: false });
  assert.equal(checkout.code, 1);
  assert.match(checkout.err, /self-contained agent executable/);
  assert.match(checkout.err, /meshwork-agent run --state \/var\/lib\/meshwork-agent --install/);
  assert.equal(existsSync(r.layout.lib), false);
  assert.equal((await cli(['install', '--root', r.root])).code, 2, 'no --install: usage');
});

test('re-running install while the agent runs (holds the state dir): the install file is replaced, the identity kept', async () => {
  const r = roots();
  const exe = r.script('meshwork-agent', PRODUCT_VERSION);
  const first = await cli(['install', '--install', installFile(join(r.root, '..')), '--root', r.root, '--no-start'], { execPath: exe, selfContained: true });
  assert.equal(first.code, 0, first.err);
  const lock = await acquireLock(r.layout.state); // this process plays the running agent
  try {
    const next = installFile(join(r.root, '..'), { enrolmentToken: 'tok-2' });
    const again = await cli(['install', '--install', next, '--root', r.root, '--no-start'], { execPath: exe, selfContained: true });
    assert.equal(again.code, 0, again.err);
    assert.equal(again.out.trim().split('\n').at(-1), first.out.trim().split('\n').at(-1), 'the same device id');
    assert.equal(JSON.parse(readFileSync(join(r.layout.state, 'install.json'), 'utf8')).enrolmentToken, 'tok-2');
    assert.equal(mode(join(r.layout.state, 'install.json')), 0o600);
  } finally {
    await lock.release();
  }
});
