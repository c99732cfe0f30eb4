/** Device records → the wire `Device`, with `online` taken from the presence table. */
import type { Device } from '@meshwork/protocol';
import type { DeviceSummary, Store } from '@meshwork/store';
import { iso, isoOrNull } from '../ids.js';

export function deviceView(d: DeviceSummary, online: boolean): Device {
  return {
    id: d.id,
    name: d.name,
    groupId: d.groupId,
    online,
    lastSeen: isoOrNull(d.lastSeen),
    tags: d.tags,
    notes: d.notes,
    os: d.os,
    createdAt: iso(d.createdAt),
  };
}

/** Past this many devices, reading every presence row is cheaper than looking each id up. */
const WHOLE_PRESENCE_FROM = 500;

/** Views of many devices with one presence query. */
export async function deviceViews(store: Store, devices: DeviceSummary[]): Promise<Device[]> {
  if (devices.length === 0) return [];
  const rows = await store.listPresence(devices.length >= WHOLE_PRESENCE_FROM ? undefined : devices.map((d) => d.id));
  const present = new Set(rows.map((p) => p.deviceId));
  return devices.map((d) => deviceView(d, present.has(d.id)));
}

export async function deviceViewOne(store: Store, d: DeviceSummary): Promise<Device> {
  return deviceView(d, (await store.getPresence(d.id)) !== null);
}
