/**
 * The device list on the wire: its parser and its order.
 *
 * `parseDeviceList` parses the `devices.list` answer by hand, with the same verdict as
 * `z.array(Device).safeParse` and an equal output (unknown keys dropped). The answer holds every
 * device a caller sees — 10,000 and more — and in the browser zod runs jitless (the CSP forbids
 * eval), where that list costs ~90 ms to parse; this costs a few: a device with exactly the
 * schema's keys is kept as it is (zod would copy it), only one with more keys is copied without
 * them. device-list.test.ts keeps it in step with the schema: the same keys, and the same answer
 * for valid lists and for every single-field change of one.
 *
 * `deviceNameKey` is the order of a device list in the web UI and of its first screen
 * (devices.listHead), so both agree.
 */
import type { Device } from './models.js';

export interface ParseIssue {
  path: (string | number)[];
  message: string;
}

/** The shape of zod's `safeParse` result, so callers treat both alike. */
export type ParseResult<T> = { success: true; data: T } | { success: false; error: { issues: ParseIssue[] } };

/** The keys of `Device`, in the schema's order (the test compares them with `Device.shape`). */
export const DEVICE_KEYS = ['id', 'name', 'groupId', 'online', 'lastSeen', 'tags', 'notes', 'os', 'createdAt'] as const;

const HEX96 = /^[0-9a-f]{96}$/;
const hex96 = (v: unknown): v is string => typeof v === 'string' && HEX96.test(v);
/** zod measures strings in code points: a surrogate pair counts once. */
function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    if ((s.charCodeAt(i) & 0xfc00) === 0xd800 && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n--;
      i++;
    }
  }
  return n;
}
const text = (v: unknown, max: number): v is string => typeof v === 'string' && (v.length <= max || codePoints(v) <= max);
const textOrNull = (v: unknown, max: number): v is string | null => v === null || text(v, max);

function tagList(v: unknown): v is string[] {
  if (!Array.isArray(v) || v.length > 64) return false;
  for (let i = 0; i < v.length; i++) if (!text(v[i], 64)) return false;
  return true;
}

/** One device, or the key (null: the item itself) that is not what the schema allows. */
function device(v: unknown): Device | { bad: string | null } {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { bad: null };
  const o = v as Record<string, unknown>;
  const { id, name, groupId, online, lastSeen, tags, notes, os, createdAt } = o;
  if (!hex96(id)) return { bad: 'id' };
  if (!text(name, 256)) return { bad: 'name' };
  if (!hex96(groupId)) return { bad: 'groupId' };
  if (typeof online !== 'boolean') return { bad: 'online' };
  if (!textOrNull(lastSeen, 40)) return { bad: 'lastSeen' };
  if (!tagList(tags)) return { bad: 'tags' };
  if (!text(notes, 4096)) return { bad: 'notes' };
  if (!textOrNull(os, 256)) return { bad: 'os' };
  if (!text(createdAt, 40)) return { bad: 'createdAt' };
  // Every key of the schema is there (undefined passes no check above): a plain object with no
  // other key is the answer as it is; anything else is copied without the rest.
  let keys = 0;
  for (const _ in o) keys++;
  if (keys === DEVICE_KEYS.length && Object.getPrototypeOf(o) === Object.prototype) return o as Device;
  return { id, name, groupId, online, lastSeen, tags, notes, os, createdAt };
}

/** `z.array(Device).safeParse(value)`, fast. */
export function parseDeviceList(value: unknown): ParseResult<Device[]> {
  if (!Array.isArray(value)) return { success: false, error: { issues: [{ path: [], message: 'expected an array of devices' }] } };
  const out = new Array<Device>(value.length);
  for (let i = 0; i < value.length; i++) {
    const d = device(value[i]);
    if ('bad' in d) {
      const path = d.bad === null ? [i] : [i, d.bad];
      return { success: false, error: { issues: [{ path, message: d.bad === null ? 'expected a device object' : `invalid ${d.bad}` }] } };
    }
    out[i] = d;
  }
  return { success: true, data: out };
}

/**
 * The key a device list sorts by: the name in lower case with every run of digits zero-padded to
 * 16, so plain `<` puts host-2 before host-10. The web UI sorts by it, and devices.listHead answers
 * the first devices in its order, so the first screen and the whole list agree.
 */
export function deviceNameKey(name: string): string {
  return name.toLowerCase().replace(DIGITS, padDigits);
}
const DIGITS = /\d+/g;
const padDigits = (m: string): string => m.padStart(16, '0');

/** How many devices devices.listHead answers unless asked otherwise: more than a tall screen shows. */
export const DEVICE_LIST_HEAD = 100;
