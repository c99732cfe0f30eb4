/** The first screen of a device list: its first devices in name order, and how many there are. */
import { deviceNameKey, type Device, type DeviceListHead } from '@meshwork/protocol';

/** The first `limit` devices by `deviceNameKey`; equal keys keep their order in `devices`. */
export function listHead(devices: readonly Device[], limit: number): DeviceListHead {
  const keyed = devices.map((d, i) => ({ d, i, key: deviceNameKey(d.name) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.i - b.i));
  return { total: devices.length, devices: keyed.slice(0, limit).map((x) => x.d) };
}
