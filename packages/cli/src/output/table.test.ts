import { test } from 'node:test';
import assert from 'node:assert/strict';
import { table, time } from './table.js';
import { parseGroupRights } from '../commands/groups.js';
import { UsageError } from '../errors.js';

test('tables align every column but the last', () => {
  assert.equal(table(['NAME', 'ID'], [['alice', '1'], ['b', '22']]), 'NAME   ID\nalice  1\nb      22');
});

test('times are compact and null is a dash', () => {
  assert.equal(time('2026-01-02T03:04:05.678Z'), '2026-01-02 03:04:05Z');
  assert.equal(time(null), '-');
});

test('group rights are checked against GROUP_RIGHTS names', () => {
  assert.deepEqual(parseGroupRights('remoteControl, wake,wake'), ['remoteControl', 'wake']);
  assert.deepEqual(parseGroupRights('full'), ['full']);
  assert.throws(() => parseGroupRights('wake,fly'), (e) => e instanceof UsageError && /unknown right fly/.test(e.message));
  assert.throws(() => parseGroupRights(','), UsageError);
});
