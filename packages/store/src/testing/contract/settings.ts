/** Contract: settings are key → arbitrary JSON values. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ContractContext } from './context.js';

export function settingsCases(t: ContractContext): void {
  describe('settings', () => {
    it('returns null for a missing key', async () => {
      assert.equal(await t.store.getSetting('nope'), null);
    });

    it('round-trips arbitrary JSON values', async () => {
      const values: Record<string, unknown> = {
        object: { url: 'https://mesh.example', nested: { list: [1, 'two', null, true, { deep: [] }] } },
        array: [3, 1, 2],
        string: 'héllo ☃ "quoted" \\ back',
        integer: 42,
        float: 3.25,
        negative: -7,
        yes: true,
        no: false,
        empty: {},
      };
      for (const [key, value] of Object.entries(values)) await t.store.setSetting(key, value);
      for (const [key, value] of Object.entries(values)) {
        assert.deepEqual(await t.store.getSetting(key), value, key);
      }
    });

    it('overwrites an existing key', async () => {
      await t.store.setSetting('k', { v: 1 });
      await t.store.setSetting('k', ['replaced']);
      assert.deepEqual(await t.store.getSetting('k'), ['replaced']);
    });

    it('deletes a key once', async () => {
      await t.store.setSetting('k', 'v');
      await t.store.setSetting('other', 'kept');
      assert.equal(await t.store.deleteSetting('k'), true);
      assert.equal(await t.store.getSetting('k'), null);
      assert.equal(await t.store.deleteSetting('k'), false);
      assert.equal(await t.store.getSetting('other'), 'kept');
    });
  });
}
