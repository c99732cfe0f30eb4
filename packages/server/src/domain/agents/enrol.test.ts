import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AgentInfo } from '@meshwork/protocol';
import type { DeviceGroupRecord } from '@meshwork/store';
import { rotateEnrolmentKey } from '../enrolment/keys.js';
import { newEnrolmentToken } from '../enrolment/tokens.js';
import { addDevice, addGroup, testEnrolmentKey, testSystem, type TestSystem } from '../testkit/system.js';
import { admitDevice } from './enrol.js';

const newId = (): string => randomBytes(48).toString('hex');
const info = (extra: Partial<AgentInfo> = {}): AgentInfo => ({ agentVersion: '1', platform: 'linux', arch: 'x64', hostname: 'host-1', ...extra });

describe('admitting an authenticated device', () => {
  let t: TestSystem;
  let a: DeviceGroupRecord;
  let b: DeviceGroupRecord;
  before(async () => {
    t = await testSystem();
    a = await addGroup(t.sys, 'A');
    b = await addGroup(t.sys, 'B');
  });
  after(() => t.close());

  const token = async (o: { maxUses?: number | null; expiresAt?: number | null; groupId?: string } = {}) => {
    const tok = newEnrolmentToken();
    await t.sys.store.createEnrolmentToken({
      id: tok.id, groupId: o.groupId ?? b.id, secretHash: tok.secretHash, createdAt: t.sys.now(), createdBy: null,
      expiresAt: o.expiresAt ?? null, maxUses: o.maxUses === undefined ? 1 : o.maxUses, uses: 0,
    });
    return tok.token;
  };

  it('a known device keeps its stored group, whatever the install file says; nothing is re-enrolled', async () => {
    const d = await addDevice(t.sys, a.id, 'known');
    const r = await admitDevice(t.sys, d.id, info({ groupId: b.id, enrolmentToken: await token() }));
    assert.ok(r.ok);
    assert.equal(r.device.groupId, a.id);
    assert.equal(r.enrolled, null);
  });

  it("a new device with its group's enrolment key joins it, named by its hostname, with an event", async () => {
    const id = newId();
    const r = await admitDevice(t.sys, id, info({ groupId: b.id, enrolmentKey: testEnrolmentKey(a.id), hostname: 'edge-7' }));
    assert.ok(r.ok);
    assert.deepEqual(r.enrolled, { via: 'key' });
    const stored = await t.sys.store.getDevice(id);
    assert.equal(stored?.groupId, a.id, "the key's group; the group id in info means nothing");
    assert.equal(stored?.name, 'edge-7');
    const events = await t.sys.store.listEvents({ deviceId: id, limit: 10 });
    assert.deepEqual(events.map((e) => [e.type, e.groupId, e.data]), [['device.enrolled', a.id, { via: 'key' }]]);
  });

  it('a group id alone, a rotated key or a removed key does not enrol', async () => {
    const byId = await admitDevice(t.sys, newId(), info({ groupId: a.id }));
    assert.equal(byId.ok ? null : byId.code, 'not_enrolled');
    const c = await addGroup(t.sys, 'C');
    const old = testEnrolmentKey(c.id);
    await rotateEnrolmentKey(t.sys, c.id);
    const rotated = await admitDevice(t.sys, newId(), info({ enrolmentKey: old }));
    assert.equal(rotated.ok ? null : rotated.code, 'not_enrolled');
    const current = await t.sys.store.getGroupEnrolmentKey(c.id);
    await t.sys.store.deleteGroupEnrolmentKey(c.id);
    const removed = await admitDevice(t.sys, newId(), info({ enrolmentKey: current ?? '' }));
    assert.equal(removed.ok ? null : removed.code, 'not_enrolled');
  });

  it('a revoked device is refused whatever it presents, until the revocation is lifted', async () => {
    const d = await addDevice(t.sys, a.id, 'gone');
    await t.sys.store.revokeDevice({ deviceId: d.id, name: d.name, groupId: a.id, revokedAt: t.sys.now(), revokedBy: null });
    const refused = await admitDevice(t.sys, d.id, info({ enrolmentKey: testEnrolmentKey(a.id), enrolmentToken: await token() }));
    assert.equal(refused.ok ? null : refused.code, 'revoked');
    await t.sys.store.deleteDeviceRevocation(d.id);
    const back = await admitDevice(t.sys, d.id, info({ enrolmentKey: testEnrolmentKey(a.id) }));
    assert.ok(back.ok);
  });

  it("a token enrols into the token's group and is consumed; used up, expired, unknown or malformed tokens are refused", async () => {
    const tok = await token({ maxUses: 1 });
    const first = newId();
    const r = await admitDevice(t.sys, first, info({ groupId: a.id, enrolmentToken: tok }));
    assert.ok(r.ok);
    assert.equal(r.device.groupId, b.id);
    assert.equal(r.enrolled?.via, 'token');
    const second = await admitDevice(t.sys, newId(), info({ groupId: a.id, enrolmentToken: tok }));
    assert.deepEqual(second.ok ? null : second.code, 'bad_enrolment_token', 'no fallback to the group id');

    const expired = await admitDevice(t.sys, newId(), info({ enrolmentToken: await token({ expiresAt: t.sys.now() - 1 }) }));
    assert.equal(expired.ok ? null : expired.code, 'bad_enrolment_token');
    for (const bad of ['', 'mwe_x_y', newEnrolmentToken().token]) {
      const r2 = await admitDevice(t.sys, newId(), info({ enrolmentToken: bad }));
      assert.equal(r2.ok ? null : r2.code, 'bad_enrolment_token', JSON.stringify(bad));
    }
  });

  it('a device enrolled a moment ago by another connection is admitted even when the token is used up', async () => {
    const tok = await token({ maxUses: 1 });
    const id = newId();
    const [x, y] = await Promise.all([admitDevice(t.sys, id, info({ enrolmentToken: tok })), admitDevice(t.sys, id, info({ enrolmentToken: tok }))]);
    assert.ok(x.ok && y.ok);
    assert.equal((await t.sys.store.listEvents({ deviceId: id, type: 'device.enrolled', limit: 10 })).length, 1);
  });

  it('no token and no current key: not_enrolled with a reason', async () => {
    const unknown = await admitDevice(t.sys, newId(), info({ enrolmentKey: `mwk_${'0'.repeat(64)}` }));
    assert.equal(unknown.ok ? null : unknown.code, 'not_enrolled');
    assert.match(unknown.ok ? '' : unknown.message, /not current/);
    const bare = await admitDevice(t.sys, newId(), undefined);
    assert.equal(bare.ok ? null : bare.code, 'not_enrolled');
  });
});
