import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InProcessRelaySessions, MAX_RELAY_SLOT, ownerSlot, RELAY_LIMITS, type RelayRecord } from './registry.js';

const input = (userId = 'u1'): Omit<RelayRecord, 'relayId' | 'createdAt' | 'expiresAt'> => ({
  protocol: 'files', deviceId: 'd'.repeat(96), deviceName: 'pi', groupId: 'g'.repeat(96), userId, userName: 'alice', rights: 8, options: {},
});

test('relay registry: refuses to create while no endpoint is attached', () => {
  assert.throws(() => new InProcessRelaySessions().create(input(), 0), /running server/);
});

test('relay registry: both secrets name the worker slot that owns the record', () => {
  for (const slot of [0, 1, 7, MAX_RELAY_SLOT]) {
    const r = new InProcessRelaySessions(RELAY_LIMITS, slot);
    r.attach({ expired: () => undefined });
    const c = r.create(input(), 0);
    assert.equal(ownerSlot(c.sessionId), slot);
    assert.equal(ownerSlot(c.token), slot);
    assert.equal(r.claim('user', c.sessionId, 'u1')?.relayId, c.record.relayId);
    r.remove(c.record.relayId);
  }
  assert.throws(() => new InProcessRelaySessions(RELAY_LIMITS, MAX_RELAY_SLOT + 1), RangeError);
  assert.equal(ownerSlot('short'), null);
  assert.equal(ownerSlot('!'.repeat(43)), null);
});

test('relay registry: two independent secrets, each end claimable once, the user end only by its user', () => {
  const r = new InProcessRelaySessions();
  const detach = r.attach({ expired: () => undefined });
  const c = r.create(input(), 1000);
  assert.match(c.sessionId, /^[A-Za-z0-9_-]{43}$/);
  assert.match(c.token, /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(c.sessionId, c.token);
  assert.match(c.record.relayId, /^[0-9a-f]{16}$/);
  assert.equal(c.record.expiresAt, 1000 + RELAY_LIMITS.pairTimeoutMs);
  assert.equal(r.claim('agent', c.sessionId), null, 'the user secret is not the agent secret');
  assert.equal(r.claim('user', c.token, 'u1'), null, 'and the other way round');
  assert.equal(r.claim('user', c.sessionId, 'u2'), null, 'another user');
  assert.equal(r.claim('user', c.sessionId, 'u1')?.relayId, c.record.relayId, 'the creator, after the others failed');
  assert.equal(r.claim('user', c.sessionId, 'u1'), null, 'never twice');
  assert.equal(r.claim('agent', c.token)?.relayId, c.record.relayId);
  assert.equal(r.claim('agent', c.token), null);
  r.remove(c.record.relayId);
  assert.equal(r.pending, 0);
  detach();
  assert.equal(r.accepting, false);
});

test('relay registry: limits per user and in all; expiry tells the listener once', async () => {
  const r = new InProcessRelaySessions({ maxPendingPerUser: 2, maxPending: 3, pairTimeoutMs: 20 });
  const expired: string[] = [];
  r.attach({ expired: (rec) => void expired.push(rec.relayId) });
  const a = r.create(input('u1'), 0);
  r.create(input('u1'), 0);
  assert.throws(() => r.create(input('u1'), 0), /waiting/);
  r.create(input('u2'), 0);
  assert.throws(() => r.create(input('u3'), 0), /waiting/);
  while (r.pending > 0) await new Promise((res) => setTimeout(res, 10));
  assert.equal(expired.length, 3);
  assert.ok(expired.includes(a.record.relayId));
  assert.equal(r.claim('user', a.sessionId, 'u1'), null, 'an expired session is gone');
});
