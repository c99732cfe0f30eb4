import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerSessionFrame } from '@meshwork/protocol';
import { InProcessBus } from '../../bus/bus.js';
import { capabilityDirectory, CapabilityDirectory, internCapabilities, knownMissing, missingCapability, requiredCapability } from './capabilities.js';
import { PRESENCE_CHANNEL, type PresenceClaim } from './lifecycle.js';

const power: ServerSessionFrame = { type: 'power', requestId: 'AAAAAAAAAAAAAAAAAAAAAA', action: 'reboot' };

describe('agent capabilities', () => {
  it('each frame needs its capability; an agent that announced nothing is not checked', () => {
    assert.equal(requiredCapability(power), 'power');
    assert.equal(requiredCapability({ type: 'later', retryAfterMs: 1, reason: 'x' }), null);
    assert.equal(missingCapability(internCapabilities(['terminal']), power), 'power');
    assert.equal(missingCapability(internCapabilities(['power']), power), null);
    assert.equal(missingCapability(null, power), null);
    assert.equal(internCapabilities(undefined), null);
  });

  it('agents announcing the same list share one set (memory per agent stays flat)', () => {
    assert.equal(internCapabilities(['a', 'b']), internCapabilities(['b', 'a', 'b']));
  });

  it("a worker knows its siblings' agents from their claims, by connection; its own from its endpoint", () => {
    const dir = new CapabilityDirectory('w1');
    dir.onClaim('d1', 'w2', 'c1', ['terminal']);
    assert.deepEqual([...(dir.lookup('d1', 'c1') ?? [])], ['terminal']);
    assert.equal(dir.lookup('d1', 'c-old'), undefined, 'another connection of the device: not known');
    dir.onClaim('d1', 'w1', 'c2', ['power']); // now held here: the endpoint answers, the remote entry goes
    assert.equal(dir.lookup('d1', 'c1'), undefined);
    const remove = dir.addLocal((d, c) => (d === 'd1' && c === 'c2' ? internCapabilities(['power']) : undefined));
    assert.deepEqual([...(dir.lookup('d1', 'c2') ?? [])], ['power']);
    remove();
    assert.equal(dir.lookup('d1', 'c2'), undefined);
  });

  it('claims on the bus feed the directory of the process', async () => {
    const bus = new InProcessBus('w-here');
    const sys = { bus };
    capabilityDirectory(sys);
    const claim: PresenceClaim = { type: 'claimed', deviceId: 'd9', workerId: 'w-there', connectionId: 'c9', capabilities: ['inventory'] };
    await bus.publish(PRESENCE_CHANNEL, claim);
    await new Promise((r) => setImmediate(r));
    assert.equal(knownMissing(sys, 'd9', 'c9', power), 'power');
    assert.equal(knownMissing(sys, 'd9', 'other', power), null, 'unknown connection: left to the holder');
  });
});
