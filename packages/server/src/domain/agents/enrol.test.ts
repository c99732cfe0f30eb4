import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AgentInfo } from '@meshwork/protocol';
import type { DeviceGroupRecord } from '@meshwork/store';
import { newEnrolmentToken } from '../enrolment/tokens.js';
import { addDevice, addGroup, testSystem, type TestSystem } from '../testkit/system.js';
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

  it('a new device with the group id of an existing group joins it, named by its hostname, with an event', async () => {
    const id = newId();
    const r = await admitDevice(t.sys, id, info({ groupId: a.id, hostname: 'edge-7' }));
    assert.ok(r.ok);
    assert.deepEqual(r.enrolled, { via: 'group' });
    const stored = await t.sys.store.getDevice(id);
    assert.equal(stored?.groupId, a.id);
    assert.equal(stored?.name, 'edge-7');
    const events = await t.sys.store.listEvents({ deviceId: id, limit: 10 });
    assert.deepEqual(events.map((e) => [e.type, e.groupId, e.data]), [['device.enrolled', a.id, { via: 'group' }]]);
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

  it('no token and no existing group: not_enrolled with a reason', async () => {
    const unknown = await admitDevice(t.sys, newId(), info({ groupId: newId() }));
    assert.equal(unknown.ok ? null : unknown.code, 'not_enrolled');
    assert.match(unknown.ok ? '' : unknown.message, /does not exist/);
    const bare = await admitDevice(t.sys, newId(), undefined);
    assert.equal(bare.ok ? null : bare.code, 'not_enrolled');
  });
});
