import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { DEVICE_KEYS, deviceNameKey, parseDeviceList } from './device-list.js';
import { endpoints } from './endpoints.js';
import { Device } from './models.js';

const schema = z.array(Device);
const hex = (c: string): string => c.repeat(96);

function aDevice(i: number): Record<string, unknown> {
  return {
    id: hex((i % 10).toString()), name: `kiosk-${i}`, groupId: hex('a'), online: i % 2 === 0,
    lastSeen: i % 3 === 0 ? null : '2026-11-27T03:39:00.000Z', tags: i % 4 === 0 ? [] : ['lab', 'vip'],
    notes: '', os: i % 5 === 0 ? null : 'Debian GNU/Linux 12 (bookworm)', createdAt: '2026-11-01T00:00:00.000Z',
  };
}

/** Both parsers on one value: the same verdict, equal outputs, and the item and key at fault. */
function same(value: unknown, what: string): void {
  const want = schema.safeParse(value);
  const got = parseDeviceList(value);
  assert.equal(got.success, want.success, `${what}: verdict`);
  if (got.success && want.success) {
    assert.deepEqual(got.data, want.data, what);
  } else if (!got.success && !want.success) {
    const path = got.error.issues[0]?.path ?? [];
    assert.deepEqual(path, want.error.issues[0]?.path.slice(0, path.length), `${what}: issue path`);
    assert.equal(path.length, Math.min(2, want.error.issues[0]?.path.length ?? 0), `${what}: issue path length`);
  }
}

test('device list parser: the keys of the Device schema, in its order', () => {
  assert.deepEqual([...DEVICE_KEYS], Object.keys(Device.shape));
  assert.equal(endpoints['devices.list'].responseParser, parseDeviceList);
});

test('device list parser: valid lists parse as zod parses them', () => {
  same([], 'empty');
  same(Array.from({ length: 50 }, (_, i) => aDevice(i)), '50 devices');
  const edge = { ...aDevice(1), name: '😀'.repeat(128), notes: 'n'.repeat(4096), os: 'o'.repeat(256), tags: Array.from({ length: 64 }, () => 't'.repeat(64)), createdAt: 'c'.repeat(40) };
  same([edge], 'every length at its maximum');
  same([{ ...aDevice(2), extra: 'dropped', passwordHash: 'x', __proto__: { inherited: 1 } }], 'unknown keys are dropped');
  same(JSON.parse(`[${JSON.stringify(aDevice(3)).replace('{', '{"__proto__":{"x":1},')}]`), 'a JSON __proto__ key');
  same([Object.fromEntries(Object.entries(aDevice(4)).reverse())], 'keys in another order');
  const inherited = Object.assign(Object.create({ inheritedKey: 1 }) as object, aDevice(5));
  same([inherited], 'an inherited enumerable key');
});

test('device list parser: every single-field change gets the same verdict as zod', () => {
  const bad: Record<string, unknown[]> = {
    id: [undefined, null, 1, hex('A'), '0'.repeat(95), '0'.repeat(97), `${'0'.repeat(95)}g`, [hex('0')]],
    name: [undefined, null, 5, 'x'.repeat(256), 'x'.repeat(257), '😀'.repeat(256), '😀'.repeat(257), `${'😀'.repeat(255)}\ud83dx`, '\ud83d'.repeat(257), '', {}],
    groupId: [undefined, null, hex('F'), 'short'],
    online: [undefined, null, 0, 1, 'true', true, false],
    lastSeen: [undefined, null, 0, 'x'.repeat(40), 'x'.repeat(41), ''],
    tags: [undefined, null, 'lab', {}, [1], [null], ['x'.repeat(65)], Array.from({ length: 65 }, () => 't'), [''], ['a', 'a']],
    notes: [undefined, null, 'x'.repeat(4097), 1],
    os: [undefined, null, 'x'.repeat(257), false],
    createdAt: [undefined, null, 'x'.repeat(41), 0],
  };
  assert.deepEqual(Object.keys(bad), [...DEVICE_KEYS]);
  for (const [key, values] of Object.entries(bad)) {
    for (const v of values) {
      const d = aDevice(7);
      if (v === undefined) delete d[key];
      else d[key] = v;
      same([aDevice(0), d], `${key} = ${JSON.stringify(v)?.slice(0, 40) ?? 'missing'}`);
    }
  }
});

test('device list parser: items and lists of the wrong kind', () => {
  for (const v of [null, undefined, 'x', 1, {}, { 0: aDevice(0), length: 1 }]) same(v, `list ${String(v)}`);
  for (const item of [null, undefined, 'device', 3, [], [aDevice(0)], new Date(0)]) same([aDevice(0), item], `item ${String(item)}`);
  same([aDevice(0), , aDevice(1)], 'a hole in the array');
});

test('device list parser: a device with exactly the schema keys is kept as it is, others are copied', () => {
  const exact = aDevice(1);
  const more = { ...aDevice(2), extra: true };
  const r = parseDeviceList([exact, more]);
  assert.ok(r.success);
  assert.equal(r.data[0], exact);
  assert.notEqual(r.data[1], more);
  assert.equal('extra' in (r.data[1] ?? {}), false);
  assert.notEqual(r.data, [exact, more], 'the array is new');
});

test('device name key: natural, case-insensitive order with plain <', () => {
  const names = ['host-10', 'Host-2', 'host-1', 'alpha', 'host-2b', 'HOST-02', 'host-0010x', 'beta-9-1', 'beta-10-0', ''];
  const sorted = [...names].sort((a, b) => {
    const x = deviceNameKey(a), y = deviceNameKey(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
  assert.deepEqual(sorted, ['', 'alpha', 'beta-9-1', 'beta-10-0', 'host-1', 'Host-2', 'HOST-02', 'host-2b', 'host-10', 'host-0010x']);
  assert.equal(deviceNameKey('Kiosk-7'), `kiosk-${'7'.padStart(16, '0')}`);
});
