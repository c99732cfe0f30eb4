/**
 * Device inventory as reported by the agent. Everything here is untrusted data from the device:
 * every string and list is bounded, control characters are refused, and the server stores it as
 * data only (never as markup).
 */
import { z } from 'zod';

/** Printable text without control characters, at most `max` characters. */
export const DeviceText = (max: number) => z.string().max(max).regex(/^[^\u0000-\u001f\u007f]*$/, 'control characters are not allowed');
const Bytes = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const Mac = z.string().regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/, 'expected a MAC address like 00:11:22:aa:bb:cc');
const Address = z.string().max(64).regex(/^[0-9a-fA-F.:%a-zA-Z_-]+(\/\d{1,3})?$/, 'expected an IP address');

export const DiskInfo = z.strictObject({
  mount: DeviceText(256),
  fsType: DeviceText(32),
  device: DeviceText(256),
  totalBytes: Bytes,
  usedBytes: Bytes,
  freeBytes: Bytes,
});

export const NetInterface = z.strictObject({
  name: DeviceText(64),
  mac: Mac.nullable(),
  addresses: z.array(Address).max(64),
});

export const SystemInventory = z.strictObject({
  hostname: DeviceText(255),
  os: z.strictObject({
    name: DeviceText(128),
    version: DeviceText(128),
    kernel: DeviceText(128),
    platform: DeviceText(32),
  }),
  arch: DeviceText(32),
  cpu: z.strictObject({ model: DeviceText(256), cores: z.number().int().min(0).max(65536) }),
  memory: z.strictObject({ totalBytes: Bytes, freeBytes: Bytes }),
  disks: z.array(DiskInfo).max(64),
  network: z.array(NetInterface).max(64),
  users: z.array(DeviceText(64)).max(256),
  bootTime: z.number().int().min(0).nullable(),
  agentVersion: DeviceText(64),
});

export const SoftwarePackage = z.strictObject({ name: DeviceText(256), version: DeviceText(128) });
export const SoftwareInventory = z.strictObject({
  source: z.enum(['dpkg', 'rpm', 'none']),
  packages: z.array(SoftwarePackage).max(20_000),
});

export type DiskInfo = z.infer<typeof DiskInfo>;
export type NetInterface = z.infer<typeof NetInterface>;
export type SystemInventory = z.infer<typeof SystemInventory>;
export type SoftwarePackage = z.infer<typeof SoftwarePackage>;
export type SoftwareInventory = z.infer<typeof SoftwareInventory>;
