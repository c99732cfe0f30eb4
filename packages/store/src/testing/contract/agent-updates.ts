/** Contract: agent self-update — group policies, per-device state, per-version outcomes. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AgentUpdateOutcomeRecord, AgentUpdateRecord } from '../../records.js';
import { type ContractContext, storeError } from './context.js';
import { aDevice, aDeviceGroup, T0 } from './fixtures.js';

const row = (deviceId: string, o: Partial<AgentUpdateRecord> = {}): AgentUpdateRecord => ({
  deviceId, version: '0.1.0', platform: 'linux-x64', target: null, state: null, error: null, at: T0, ...o,
});
const outcome = (deviceId: string, o: Partial<AgentUpdateOutcomeRecord> = {}): AgentUpdateOutcomeRecord => ({
  deviceId, version: '0.2.0', outcome: 'updated', error: null, at: T0, ...o,
});

export function agentUpdateCases(t: ContractContext): void {
  describe('agent updates', () => {
    async function group() {
      const g = aDeviceGroup();
      await t.store.createDeviceGroup(g);
      return g;
    }
    async function device(groupId?: string) {
      const d = aDevice(groupId ?? (await group()).id);
      await t.store.upsertDevice(d);
      return d;
    }

    it('a group policy is `all` until set, is replaced, listed by policy, and goes with the group', async () => {
      const [a, b] = [await group(), await group()];
      assert.equal(await t.store.getAgentUpdatePolicy(a.id), 'all');
      assert.deepEqual(await t.store.listGroupsWithAgentUpdatePolicy('canary'), []);
      await t.store.setAgentUpdatePolicy(a.id, 'canary');
      await t.store.setAgentUpdatePolicy(b.id, 'off');
      assert.equal(await t.store.getAgentUpdatePolicy(a.id), 'canary');
      assert.deepEqual(await t.store.listGroupsWithAgentUpdatePolicy('canary'), [a.id]);
      await t.store.setAgentUpdatePolicy(a.id, 'off');
      assert.deepEqual((await t.store.listGroupsWithAgentUpdatePolicy('off')).sort(), [a.id, b.id].sort());
      assert.equal(await t.store.deleteDeviceGroup(a.id), true);
      assert.deepEqual(await t.store.listGroupsWithAgentUpdatePolicy('off'), [b.id]);
      assert.equal(await t.store.getAgentUpdatePolicy(a.id), 'all');
    });

    it('refuses a policy for a missing group and a row or outcome for a missing device with not_found', async () => {
      await assert.rejects(t.store.setAgentUpdatePolicy('missing', 'off'), storeError('not_found'));
      await assert.rejects(t.store.setAgentUpdate(row('missing')), storeError('not_found'));
      await assert.rejects(t.store.setAgentUpdateOutcome(outcome('missing')), storeError('not_found'));
    });

    it('stores and replaces a device row, lists rows by group, and the row goes with the device', async () => {
      const g = await group();
      const [d1, d2, other] = [await device(g.id), await device(g.id), await device()];
      assert.equal(await t.store.getAgentUpdate(d1.id), null);
      const first = row(d1.id);
      await t.store.setAgentUpdate(first);
      assert.deepEqual(await t.store.getAgentUpdate(d1.id), first);
      const offered = row(d1.id, { target: '0.2.0', state: 'offered', at: T0 + 1 });
      await t.store.setAgentUpdate(offered);
      assert.deepEqual(await t.store.getAgentUpdate(d1.id), offered);
      const failed = row(d2.id, { version: null, platform: null, target: '0.2.0', state: 'failed', error: 'hash mismatch' });
      await t.store.setAgentUpdate(failed);
      await t.store.setAgentUpdate(row(other.id));
      const byDevice = (rows: AgentUpdateRecord[]) => [...rows].sort((a, b) => a.deviceId.localeCompare(b.deviceId));
      assert.deepEqual(byDevice(await t.store.listAgentUpdates([g.id])), byDevice([offered, failed]));
      assert.equal((await t.store.listAgentUpdates()).length, 3);
      assert.deepEqual(await t.store.listAgentUpdates([]), []);
      assert.equal(await t.store.deleteDevice(d1.id), true);
      assert.equal(await t.store.getAgentUpdate(d1.id), null);
      assert.deepEqual(await t.store.listAgentUpdates([g.id]), [failed]);
    });

    it('keeps one outcome per device and version, deletes by kind, and counts by group', async () => {
      const [canary, rest] = [await group(), await group()];
      const [c1, c2, r1] = [await device(canary.id), await device(canary.id), await device(rest.id)];
      await t.store.setAgentUpdateOutcome(outcome(c1.id));
      await t.store.setAgentUpdateOutcome(outcome(c2.id, { outcome: 'failed', error: 'no space' }));
      await t.store.setAgentUpdateOutcome(outcome(r1.id, { outcome: 'rolled-back', error: 'no welcome' }));
      await t.store.setAgentUpdateOutcome(outcome(c2.id, { version: '0.3.0', outcome: 'rolled-back', at: T0 + 1 }));
      assert.deepEqual(await t.store.countAgentUpdateOutcomes('0.2.0', [canary.id]), { updated: 1, failed: 1, 'rolled-back': 0 });
      assert.deepEqual(await t.store.countAgentUpdateOutcomes('0.2.0', [canary.id, rest.id]), { updated: 1, failed: 1, 'rolled-back': 1 });
      assert.deepEqual(await t.store.countAgentUpdateOutcomes('0.2.0', []), { updated: 0, failed: 0, 'rolled-back': 0 });
      assert.deepEqual((await t.store.listAgentUpdateOutcomes(c2.id)).map((o) => [o.version, o.outcome]), [['0.2.0', 'failed'], ['0.3.0', 'rolled-back']]);
      // Replaced on (device, version): a retry that worked.
      await t.store.setAgentUpdateOutcome(outcome(c2.id, { at: T0 + 2 }));
      assert.deepEqual(await t.store.countAgentUpdateOutcomes('0.2.0', [canary.id]), { updated: 2, failed: 0, 'rolled-back': 0 });
      assert.equal(await t.store.deleteAgentUpdateOutcomes(c2.id, ['failed', 'rolled-back']), 1);
      assert.deepEqual((await t.store.listAgentUpdateOutcomes(c2.id)).map((o) => o.version), ['0.2.0']);
      assert.equal(await t.store.deleteAgentUpdateOutcomes(c2.id, []), 0);
      assert.equal(await t.store.deleteDevice(c1.id), true);
      assert.deepEqual(await t.store.listAgentUpdateOutcomes(c1.id), []);
      assert.deepEqual(await t.store.countAgentUpdateOutcomes('0.2.0', [canary.id]), { updated: 1, failed: 0, 'rolled-back': 0 });
    });

    it('a row is written by applyWrites too (one commit with other handshake writes); a missing device fails alone', async () => {
      const d = await device();
      const results = await t.store.applyWrites([
        { kind: 'setAgentUpdate', update: row('missing') },
        { kind: 'setAgentUpdate', update: row(d.id, { version: '0.3.0' }) },
      ]);
      assert.equal(results[0]?.status, 'failed');
      assert.equal(results[1]?.status, 'ok');
      assert.equal((await t.store.getAgentUpdate(d.id))?.version, '0.3.0');
    });

    it('outcomes count by the group a device is in now', async () => {
      const [a, b] = [await group(), await group()];
      const d = await device(a.id);
      await t.store.setAgentUpdateOutcome(outcome(d.id));
      await t.store.updateDevice(d.id, { groupId: b.id });
      assert.equal((await t.store.countAgentUpdateOutcomes('0.2.0', [a.id])).updated, 0);
      assert.equal((await t.store.countAgentUpdateOutcomes('0.2.0', [b.id])).updated, 1);
    });
  });
}
