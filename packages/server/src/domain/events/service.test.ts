import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EVENTS_CHANNEL, isEventRecord } from '../../bus/channels.js';
import { addDevice, addGroup, addUser, settle, testSystem, type TestSystem } from '../testkit/system.js';
import { DEFAULT_EVENT_TTL_MS, createEventService } from './service.js';
import { changesAudience } from './types.js';
import { eventView, eventVisibleTo } from './view.js';

describe('event service', () => {
  let t: TestSystem;
  before(async () => {
    t = await testSystem();
  });
  after(() => t.close());

  it('stores the event with its audience and expiry, and publishes it on the bus', async () => {
    const { sys } = t;
    const actor = await addUser(sys, 'event-actor');
    const g = await addGroup(sys, 'event-group');
    const d = await addDevice(sys, g.id, 'event-device');
    const published: unknown[] = [];
    const unsub = sys.bus.subscribe(EVENTS_CHANNEL, (m) => published.push(m));
    const e = await sys.events.emit({ type: 'device.updated', message: 'Renamed', actorId: actor.id, deviceId: d.id, visibleTo: ['extra-id-1'], data: { k: 1 } });
    await settle();
    unsub();

    assert.match(e.id, /^[A-Za-z0-9_-]{8,64}$/);
    assert.equal(e.time, sys.now());
    assert.equal(e.expiresAt, sys.now() + sys.config.eventTtlMs);
    assert.deepEqual(new Set(e.visibleTo), new Set(['extra-id-1', g.id, actor.id, '*']), 'the device group is found from the device');
    const stored = await sys.store.listEvents({ visibleTo: [g.id], limit: 10 });
    assert.deepEqual(stored.map((x) => x.id), [e.id]);
    assert.deepEqual(stored[0]?.data, { k: 1 });
    assert.equal(published.length, 1);
    assert.ok(isEventRecord(published[0]));
    assert.equal((published[0] as { id: string }).id, e.id);
  });

  it('defaults to a 20-day expiry, with no actor, device or group', async () => {
    const { sys } = t;
    const svc = createEventService(sys.store, sys.bus, () => 1_000);
    const e = await svc.emit({ type: 'server.note', message: 'hello' });
    assert.equal(DEFAULT_EVENT_TTL_MS, 20 * 24 * 3600_000);
    assert.equal(e.expiresAt, 1_000 + DEFAULT_EVENT_TTL_MS);
    assert.deepEqual(e.visibleTo, ['*']);
    assert.equal(e.actorId, null);
    assert.deepEqual(e.data, {});
  });

  it('views and visibility: visibleTo stays on the server; audiences match on any shared id', () => {
    const rec = { id: 'abcdefgh', time: 0, type: 't', message: 'm', actorId: null, deviceId: null, groupId: null, data: {}, visibleTo: ['u1', 'g1'], expiresAt: 5 };
    assert.deepEqual(Object.keys(eventView(rec)).sort(), ['actorId', 'data', 'deviceId', 'groupId', 'id', 'message', 'time', 'type']);
    assert.equal(eventView(rec).time, '1970-01-01T00:00:00.000Z');
    assert.equal(eventVisibleTo(rec, new Set(['x', 'g1'])), true);
    assert.equal(eventVisibleTo(rec, new Set(['x'])), false);
    assert.equal(eventVisibleTo(rec, undefined), true);
  });

  it('marks rights, membership, user, token and logout events as audience-changing, not logins', () => {
    for (const t of ['group.deleted', 'rights.granted', 'userGroup.memberAdded', 'user.updated', 'token.revoked', 'account.passwordChanged', 'auth.logout']) {
      assert.equal(changesAudience(t), true, t);
    }
    for (const t of ['auth.login', 'auth.loginFailed', 'auth.lockout', 'device.updated', 'enrolmentToken.created', 'groupie.x']) {
      assert.equal(changesAudience(t), false, t);
    }
  });
});
