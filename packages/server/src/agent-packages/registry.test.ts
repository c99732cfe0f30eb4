import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { pino } from 'pino';
import { ApiError } from '../errors.js';
import { loadAgentPackages, type AgentPackages } from './registry.js';
import { writeFakePackages } from './testing.js';

const log = pino({ level: 'silent' });

async function registry(dir: string, clock = { t: 1_000_000 }, key = Buffer.alloc(32, 7)): Promise<AgentPackages> {
  return loadAgentPackages({ dir, linkKey: key, now: () => clock.t, log });
}

const codeOf = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return e instanceof ApiError ? e.code : String(e);
  }
};

describe('agent-package registry', () => {
  it('lists the packages of the manifest as recorded at start', async () => {
    const dir = writeFakePackages([{ platform: 'linux-x64', version: '1.2.3' }, { platform: 'linux-arm64' }]);
    const r = await registry(dir);
    const x64 = r.get('linux-x64');
    const bytes = readFileSync(join(dir, 'linux-x64/meshwork-agent'));
    assert.deepEqual(x64, { platform: 'linux-x64', version: '1.2.3', sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length, node: '20.20.2' });
    assert.deepEqual(r.list().map((p) => p.platform).sort(), ['linux-arm64', 'linux-x64']);
    assert.equal(r.get('linux-armv7l'), undefined);
    rmSync(dir, { recursive: true });
  });

  it('leaves out a file that does not match its manifest, and serves nothing without a manifest', async () => {
    const dir = writeFakePackages([{ platform: 'linux-x64' }, { platform: 'linux-arm64' }]);
    appendFileSync(join(dir, 'linux-arm64/meshwork-agent'), 'tampered');
    const r = await registry(dir);
    assert.deepEqual(r.list().map((p) => p.platform), ['linux-x64']);
    rmSync(join(dir, 'manifest.json'));
    assert.deepEqual((await registry(dir)).list(), []);
    assert.deepEqual((await registry('')).list(), [], "'' serves none");
    rmSync(dir, { recursive: true });
  });

  it('a file of the right size but other bytes from the start: listed as recorded, never served', async () => {
    const dir = writeFakePackages([{ platform: 'linux-x64', content: randomBytes(64 * 1024) }]);
    const path = join(dir, 'linux-x64/meshwork-agent');
    const bytes = readFileSync(path);
    bytes[100] = (bytes[100] ?? 0) ^ 0xff;
    writeFileSync(path, bytes);
    const r = await registry(dir);
    assert.deepEqual(r.list().map((p) => p.platform), ['linux-x64'], 'not hashed at start: listed');
    assert.equal(await codeOf(r.open('linux-x64')), 'agent_package_changed');
    assert.equal(await codeOf(r.open('linux-x64')), 'agent_package_changed', 'and again');
    rmSync(dir, { recursive: true });
  });

  it('refuses a manifest path outside the directory', async () => {
    const dir = writeFakePackages([{ platform: 'linux-x64' }]);
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { packages: { file: string }[] };
    m.packages[0]!.file = '../../etc/passwd';
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
    await assert.rejects(registry(dir), /inside the packages directory/);
    rmSync(dir, { recursive: true });
  });

  it('sends the bytes it checked; a file changed after start is refused with agent_package_changed', async () => {
    const dir = writeFakePackages([{ platform: 'linux-x64', content: randomBytes(3 * 1024 * 1024) }]);
    const r = await registry(dir);
    const path = join(dir, 'linux-x64/meshwork-agent');
    const opened = await r.open('linux-x64');
    const got = createHash('sha256');
    for await (const chunk of opened.stream) got.update(chunk as Buffer);
    assert.equal(got.digest('hex'), r.get('linux-x64')?.sha256);
    // Touched but the same bytes: re-hashed, still served.
    utimesSync(path, new Date(), new Date(Date.now() + 5000));
    const again = await r.open('linux-x64');
    again.stream.destroy();
    // Same size, other bytes, and the old mtime put back: ctime still differs, so it is re-hashed.
    const bytes = readFileSync(path);
    bytes[10] = (bytes[10] ?? 0) ^ 0xff;
    writeFileSync(path, bytes);
    assert.equal(await codeOf(r.open('linux-x64')), 'agent_package_changed');
    rmSync(path);
    assert.equal(await codeOf(r.open('linux-x64')), 'agent_package_changed');
    assert.equal(await codeOf(r.open('linux-arm64')), 'not_found');
    rmSync(dir, { recursive: true });
  });

  it('makes download links that name the platform, expire, and work with the same key only', async () => {
    const dir = writeFakePackages([{ platform: 'linux-x64' }, { platform: 'linux-armv7l' }]);
    const clock = { t: 5_000_000 };
    const r = await registry(dir, clock);
    const link = r.createLink('linux-x64', 60_000);
    assert.ok(link);
    assert.equal(link.expiresAt, 5_060_000);
    assert.match(link.url, /^\/api\/v1\/agent\/packages\/linux-x64\?link=linux-x64\.5060000\.[A-Za-z0-9_-]{43}$/);
    assert.equal(r.checkLink('linux-x64', link.token), true);
    assert.equal(r.checkLink('linux-armv7l', link.token), false, 'another platform');
    assert.equal(r.checkLink('linux-x64', link.token.replace('5060000', '9060000')), false, 'a longer expiry');
    assert.equal(r.checkLink('linux-x64', `${link.token}x`), false);
    const otherWorker = await registry(dir, clock);
    assert.equal(otherWorker.checkLink('linux-x64', link.token), true, 'another registry with the same key');
    const otherServer = await registry(dir, clock, Buffer.alloc(32, 8));
    assert.equal(otherServer.checkLink('linux-x64', link.token), false, 'another key');
    clock.t = 5_060_000;
    assert.equal(r.checkLink('linux-x64', link.token), false, 'expired');
    assert.equal(r.createLink('linux-arm64', 60_000), undefined, 'no package, no link');
    assert.equal((r.createLink('linux-x64', 10 * 24 * 3600_000)?.expiresAt ?? 0) - clock.t, 24 * 3600_000, 'capped at a day');
    const opened = await r.open('linux-armv7l');
    assert.equal(await text(opened.stream), '#!/bin/sh\necho 0.1.0\n');
    rmSync(dir, { recursive: true });
  });
});

describe('agent-package registry under concurrent downloads', () => {
  it('many downloads after a change share one check, and all get the right answer', async () => {
    const dir = writeFakePackages([{ platform: 'linux-x64', content: randomBytes(2 * 1024 * 1024) }]);
    const r = await registry(dir);
    const path = join(dir, 'linux-x64/meshwork-agent');
    utimesSync(path, new Date(), new Date(Date.now() + 10_000));
    const ok = await Promise.all(Array.from({ length: 8 }, () => r.open('linux-x64')));
    for (const o of ok) o.stream.destroy();
    const bytes = readFileSync(path);
    bytes[0] = (bytes[0] ?? 0) ^ 1;
    writeFileSync(path, bytes);
    const refused = await Promise.all(Array.from({ length: 8 }, () => codeOf(r.open('linux-x64'))));
    assert.deepEqual(new Set(refused), new Set(['agent_package_changed']));
    assert.equal(await codeOf(r.open('linux-x64')), 'agent_package_changed', 'still refused afterwards');
    rmSync(dir, { recursive: true });
  });
});
