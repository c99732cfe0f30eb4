/** Device records → the wire `Device`, with `online` taken from the presence table. */
import type { Device } from '@meshwork/protocol';
import type { DeviceRecord, Store } from '@meshwork/store';
import { iso, isoOrNull } from '../ids.js';

export function deviceView(d: DeviceRecord, online: boolean): Device {
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

/** Views of many devices with one presence query. */
export async function deviceViews(store: Store, devices: DeviceRecord[]): Promise<Device[]> {
  if (devices.length === 0) return [];
  const present = new Set((await store.listPresence(devices.map((d) => d.id))).map((p) => p.deviceId));
  return devices.map((d) => deviceView(d, present.has(d.id)));
}

export async function deviceViewOne(store: Store, d: DeviceRecord): Promise<Device> {
  return deviceView(d, (await store.getPresence(d.id)) !== null);
}
