/**
 * A self-update run with real agent executables and no systemd, for the lead's end-to-end test and
 * by hand:
 *
 *   node packages/agent/dist/service/testing/self-update-e2e.js V1 V2 V3
 *
 * V1, V2: executables of versions 0.1.0 and 0.2.0; V3: a 0.3.0 built with --test-fault exit-on-run
 * (node scripts/build-agents.mjs --platform linux-x64 --version 0.3.0 --test-fault exit-on-run --out DIR).
 * V1 installs itself into a temporary root; supervise.ts plays systemd (guard, run, restart); the
 * test server (connection/testing/test-server.ts) plays the server: a tampered V2 is refused, V2
 * comes back as 0.2.0 and reports `updated`, V3 exits at every start and the agent is back on 0.2.0
 * after 3 starts, reporting `rolled-back`. Exits 0 when all of that happened, else 1.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import type { UpdateOffer } from '@meshwork/protocol/session/index';
import { startTestServer, waitFor, type ConnRecord } from '../../connection/testing/test-server.js';
import { layoutAt } from '../layout.js';
import { supervise } from './supervise.js';

const [v1, v2, v3] = process.argv.slice(2);
if (!v1 || !v2 || !v3) {
  console.error('usage: self-update-e2e.js V1(0.1.0) V2(0.2.0) V3(0.3.0, exit-on-run)');
  process.exit(2);
}
const t0 = Date.now();
const say = (m: string) => console.log(`${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s  ${m}`);
const srv = await startTestServer({ pingIntervalMs: 1000 });
const dir = mkdtempSync(join(tmpdir(), 'mw-update-e2e-'));
const l = layoutAt(join(dir, 'root'));
writeFileSync(join(dir, 'install.json'), JSON.stringify(srv.installFile()));
const inst = spawnSync(v1, ['install', '--install', join(dir, 'install.json'), '--root', l.root, '--no-start'], { encoding: 'utf8', env: { PATH: '/bin:/usr/sbin' } });
assert.equal(inst.status, 0, inst.stderr);
const deviceId = /device id: ([0-9a-f]{96})\n$/.exec(inst.stdout)?.[1] ?? '';
say(`installed 0.1.0, device ${deviceId.slice(0, 16)}…`);
const sup = supervise(l, { restartMs: 1000, env: { MESHWORK_AGENT_UPDATE_TRIAL_S: '60', MESHWORK_AGENT_BACKOFF_SCALE: '0.05' }, ...(process.env.VERBOSE ? { log: (x: string) => console.log(x) } : {}) });
const live = (version: string, pred: (c: ConnRecord) => boolean = () => true) => srv.connections.find((c) => c.deviceId && c.info?.agentVersion === version && pred(c));
const offer = (file: string, version: string, link: string, extra: Partial<UpdateOffer> = {}) => {
  const body = readFileSync(file);
  const url = `/api/v1/agent/packages/linux-x64?link=${link}`;
  srv.files.set(url, body);
  const now = Date.now();
  return srv.signOffer({ deviceId, platform: 'linux-x64', version, sha256: createHash('sha256').update(body).digest('hex'), size: body.length, url, issuedAt: now, expiresAt: now + 600_000, ...extra });
};
let ok = false;
try {
  await waitFor('0.1.0 online', () => live('0.1.0', (c) => !c.closed) !== undefined, 60_000);
  const c1 = live('0.1.0') as ConnRecord;
  assert.ok(c1.info?.capabilities?.includes('self-update'));
  c1.send(offer(v2, '0.2.0', 'tampered', { sha256: 'f'.repeat(64) }));
  await waitFor('the tampered package refused', () => c1.updates.some((u) => u.state === 'failed'), 60_000);
  assert.deepEqual(readdirSync(l.versions), ['0.1.0']);
  say(`tampered 0.2.0 refused: ${c1.updates.at(-1)?.error}`);
  c1.send(offer(v2, '0.2.0', 'v2'));
  await waitFor('0.2.0 online, updated', () => live('0.2.0', (c) => c.updates.some((u) => u.state === 'updated')) !== undefined, 120_000);
  say(`0.1.0 reported ${c1.updates.map((u) => u.state).join(' → ')}; 0.2.0 online and reported updated`);
  assert.equal(readlinkSync(l.good), 'versions/0.2.0');
  const c2 = live('0.2.0') as ConnRecord;
  c2.send(offer(v3, '0.3.0', 'v3'));
  await waitFor('back on 0.2.0, rolled-back', () => live('0.2.0', (c) => c.updates.some((u) => u.state === 'rolled-back')) !== undefined, 180_000);
  const back = live('0.2.0', (c) => c.updates.some((u) => u.state === 'rolled-back'));
  say(`0.3.0 starts: ${sup.starts.filter((s) => s.version === '0.3.0').map((s) => s.code).join(', ')}; back on 0.2.0: ${back?.updates.at(-1)?.error}`);
  assert.equal(readlinkSync(l.current), 'versions/0.2.0');
  assert.deepEqual(readdirSync(l.versions).sort(), ['0.1.0', '0.2.0']);
  ok = true;
  say('self-update end to end: OK');
} catch (e) {
  console.error(e);
  console.error(JSON.stringify(sup.starts, null, 1));
} finally {
  await sup.stop();
  await srv.close();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(ok ? 0 : 1);
