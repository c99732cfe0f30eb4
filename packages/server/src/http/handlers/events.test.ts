import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GROUP_RIGHTS, SITE_RIGHTS } from '@meshwork/protocol';
import { ApiError } from '../../errors.js';
import { addDevice, addGroup, addUser, call, principalOf, testSystem, type TestSystem } from '../../domain/testkit/system.js';

describe('events.list', () => {
  let t: TestSystem;
  before(async () => {
    t = await testSystem();
  });
  after(() => t.close());

  it('shows only what the caller may see, newest first, with filters and paging', async () => {
    const { sys } = t;
    const admin = await addUser(sys, 'admin', SITE_RIGHTS.admin);
    const u = await addUser(sys, 'watcher');
    const g = await addGroup(sys, 'Watched', [{ subjectId: u.id, rights: GROUP_RIGHTS.notes }]);
    const limited = await addGroup(sys, 'Own only', [{ subjectId: u.id, rights: GROUP_RIGHTS.notes | GROUP_RIGHTS.limitedEvents }]);
    const hidden = await addGroup(sys, 'Unwatched');
    const d = await addDevice(sys, g.id, 'watched-device');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      t.advance(1000);
      ids.push((await sys.events.emit({ type: i % 2 ? 'device.updated' : 'device.note', message: `e${i}`, deviceId: d.id })).id);
    }
    t.advance(1000);
    const hiddenEvent = await sys.events.emit({ type: 'device.note', message: 'hidden', groupId: hidden.id });
    const othersInLimited = await sys.events.emit({ type: 'device.note', message: 'not mine', groupId: limited.id, actorId: admin.id });
    const mineInLimited = await sys.events.emit({ type: 'device.note', message: 'mine', groupId: limited.id, actorId: u.id });
    const p = principalOf(u);

    const seen = await call(sys, 'events.list', p, { query: {} });
    assert.deepEqual(seen.map((e) => e.id), [mineInLimited.id, ...[...ids].reverse()]);
    assert.ok(!seen.some((e) => e.id === hiddenEvent.id || e.id === othersInLimited.id));
    assert.equal(seen[1]?.deviceId, d.id);
    assert.equal(seen[1]?.groupId, null);

    assert.deepEqual((await call(sys, 'events.list', p, { query: { type: 'device.updated' } })).map((e) => e.message), ['e3', 'e1']);
    assert.deepEqual((await call(sys, 'events.list', p, { query: { deviceId: d.id, limit: 2 } })).map((e) => e.message), ['e4', 'e3']);
    const third = seen[3];
    assert.ok(third);
    assert.deepEqual((await call(sys, 'events.list', p, { query: { before: third.time, deviceId: d.id } })).map((e) => e.message), ['e1', 'e0']);
    assert.deepEqual(await call(sys, 'events.list', p, { query: { groupId: hidden.id } }), []);

    const all = await call(sys, 'events.list', principalOf(admin), { query: {} });
    assert.ok(all.some((e) => e.id === hiddenEvent.id) && all.some((e) => e.id === othersInLimited.id));
  });

  it('rejects a `before` that is not a time', async () => {
    const { sys } = t;
    const u = await addUser(sys, 'bad-before');
    await assert.rejects(call(sys, 'events.list', principalOf(u), { query: { before: 'yesterday' } }), (e: unknown) => e instanceof ApiError && e.code === 'validation_failed');
  });
});
