import { test } from 'node:test';
import assert from 'node:assert/strict';
import { iso, isoOrNull } from './ids.js';

test('iso formats exactly like Date#toISOString', () => {
  const samples = [0, 1, 999, 1000, 59_999, 86_399_999, 86_400_000, Date.UTC(2026, 1, 28, 23, 59, 59, 999), Date.UTC(2024, 1, 29, 12), Date.UTC(9999, 11, 31, 23, 59, 59, 999), -1, -86_400_001, 1.5, 253402300800000];
  for (let i = 0; i < 20_000; i++) samples.push(Math.floor(Math.random() * 4_102_444_800_000));
  for (const ms of samples) assert.equal(iso(ms), new Date(ms).toISOString(), String(ms));
  assert.equal(isoOrNull(null), null);
});
