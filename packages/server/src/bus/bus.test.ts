import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InProcessBus } from './bus.js';
import { deviceMessageGroup, isDeviceBusMessage, isEventRecord } from './channels.js';

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('in-process bus', () => {
  it('delivers asynchronously, in order, and a throwing subscriber does not stop the others', async () => {
    const errors: unknown[] = [];
    const bus = new InProcessBus('w', (err) => errors.push(err));
    const got: unknown[] = [];
    bus.subscribe('c', () => {
      throw new Error('boom');
    });
    const unsub = bus.subscribe('c', (m) => got.push(m));
    const p1 = bus.publish('c', 1);
    const p2 = bus.publish('c', 2);
    assert.deepEqual(got, [], 'never delivered inside publish()');
    await Promise.all([p1, p2]);
    await settle();
    assert.deepEqual(got, [1, 2]);
    assert.equal(errors.length, 2);
    unsub();
    await bus.publish('c', 3);
    await settle();
    assert.deepEqual(got, [1, 2]);
  });
});

describe('bus channel guards', () => {
  const event = { id: 'abcdefgh', time: 1, type: 't', message: 'm', actorId: null, deviceId: null, groupId: 'g', data: {}, visibleTo: ['*'], expiresAt: 2 };
  it('accept well-formed messages and reject anything else', () => {
    assert.equal(isEventRecord(event), true);
    for (const bad of [null, 'x', [], { ...event, visibleTo: [1] }, { ...event, time: '1' }, { ...event, data: null }]) assert.equal(isEventRecord(bad), false);
    const device = { id: 'a'.repeat(96), name: 'n', groupId: 'b'.repeat(96), online: false, lastSeen: null, tags: [], notes: '', os: null, createdAt: 'x' };
    assert.equal(isDeviceBusMessage({ type: 'device', device }), true);
    assert.equal(isDeviceBusMessage({ type: 'device', device: { ...device, id: 'short' } }), false);
    assert.equal(isDeviceBusMessage({ type: 'deviceRemoved', deviceId: 'd', groupId: 'g' }), true);
    assert.equal(isDeviceBusMessage({ type: 'deviceRemoved', deviceId: 'd' }), false);
    assert.equal(deviceMessageGroup({ type: 'device', device }), 'b'.repeat(96));
    assert.equal(deviceMessageGroup({ type: 'deviceRemoved', deviceId: 'd', groupId: 'g' }), 'g');
  });
});
