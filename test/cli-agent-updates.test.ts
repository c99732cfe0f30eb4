/**
 * `meshwork group edit --agent-updates` and `meshwork agent updates|update-retry` against a real
 * data dir (local mode: the same handlers the server runs). Update rows are written straight into
 * the store, as the agent endpoint leaves them (domain/updates), one with a hostile error text.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '@meshwork/store-sqlite';
import { meshwork, meshworkJson, meshworkOk } from './support/processes.js';

interface GroupJson { id: string; name: string; agentUpdates?: string }
interface UpdateJson { deviceName: string; version: string | null; target: string | null; state: string | null; error: string | null; blocked: string[] }

describe('meshwork agent updates (local mode)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'meshwork-agent-updates-'));
  const local = ['--data', join(tmp, 'data')];

  before(async () => {
    await meshworkOk(['user', 'add', 'alice', '--admin', ...local], 'correct horse battery\n');
    await meshworkOk(['group', 'add', 'Fleet', ...local]);
    await meshworkOk(['group', 'add', 'Canary', ...local]);
  });

  after(() => rmSync(tmp, { recursive: true, force: true }));

  test('group edit sets the policy; a bad one is a usage error', async () => {
    assert.match(await meshworkOk(['group', 'edit', 'Canary', '--agent-updates', 'canary', ...local]), /saved device group Canary \(agent updates: canary\)/);
    const groups = await meshworkJson<GroupJson[]>(['group', 'list', ...local]);
    assert.deepEqual(groups.map((g) => [g.name, g.agentUpdates]), [['Canary', 'canary'], ['Fleet', 'all']]);
    const bad = await meshwork(['group', 'edit', 'Fleet', '--agent-updates', 'sometimes', ...local]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--agent-updates must be one of off, all, canary/);
    const nothing = await meshwork(['group', 'edit', 'Fleet', ...local]);
    assert.equal(nothing.code, 2);
  });

  test('agent updates lists versions and states; update-retry unblocks a failed version', async () => {
    const groups = await meshworkJson<GroupJson[]>(['group', 'list', ...local]);
    const fleet = groups.find((g) => g.name === 'Fleet');
    assert.ok(fleet);
    const store = await openSqliteStore(join(tmp, 'data', 'meshwork.db'));
    const now = Date.now();
    const ids = [randomBytes(48).toString('hex'), randomBytes(48).toString('hex')];
    try {
      for (const [i, id] of ids.entries()) {
        await store.upsertDevice({ id, groupId: fleet.id, name: `pi-${i}`, tags: [], notes: '', os: 'Linux', info: {}, infoHash: null, lastSeen: now, createdAt: now });
      }
      await store.setAgentUpdate({ deviceId: ids[0] ?? '', version: '0.2.0', platform: 'linux-arm64', target: '0.2.0', state: 'updated', error: null, at: now });
      await store.setAgentUpdate({ deviceId: ids[1] ?? '', version: '0.1.0', platform: 'linux-armv7l', target: '0.2.0', state: 'failed', error: 'bad\u001b[2J hash', at: now });
      await store.setAgentUpdateOutcome({ deviceId: ids[1] ?? '', version: '0.2.0', outcome: 'failed', error: 'bad hash', at: now });
    } finally {
      await store.close();
    }
    const human = await meshworkOk(['agent', 'updates', '--group', 'Fleet', ...local]);
    assert.match(human, /^DEVICE\s+VERSION\s+PLATFORM\s+TARGET\s+STATE\s+SINCE\s+BLOCKED\s+ERROR$/m);
    assert.match(human, /^pi-0\s+0\.2\.0\s+linux-arm64\s+0\.2\.0\s+updated\s/m);
    assert.match(human, /^pi-1\s+0\.1\.0\s+linux-armv7l\s+0\.2\.0\s+failed\s.*\s0\.2\.0\s+bad\\x1b\[2J hash$/m);
    assert.doesNotMatch(human, /\u001b/);
    assert.match(await meshworkOk(['agent', 'update-retry', 'pi-1', ...local]), /pi-1 may be offered any agent version again/);
    const after = await meshworkJson<UpdateJson[]>(['agent', 'updates', ...local]);
    assert.deepEqual(after.map((v) => [v.deviceName, v.version, v.state, v.blocked]), [['pi-0', '0.2.0', 'updated', []], ['pi-1', '0.1.0', null, []]]);
    const canaryOnly = await meshworkJson<UpdateJson[]>(['agent', 'updates', '--group', 'Canary', ...local]);
    assert.deepEqual(canaryOnly, []);
  });
});
