/**
 * Inventory reports from a connected agent. The agent sends a report only when its hash differs
 * from what `known` said the server holds; the server recomputes the hash (SHA-256 hex of the
 * protocol's canonicalJson of the report) and refuses a mismatch. Stored in the device record:
 *
 *   device.info.system        SystemInventory        device.infoHash        its hash
 *   device.info.software      SoftwareInventory      device.info.softwareHash
 *   device.os                 `${os.name} ${os.version}` as display text
 *
 * Agent strings are stored as data, validated and length-limited by the protocol schemas.
 * A `device.inventory` event is recorded and a `device` frame pushed only when a hash changed.
 */
import { createHash } from 'node:crypto';
import { canonicalJson, ReportHash, type AgentSessionFrame, type ServerKnown } from '@meshwork/protocol';
import type { DeviceRecord } from '@meshwork/store';
import type { System } from '../../system.js';
import { AGENT_EVENT_TYPES } from './events.js';
import { publishDevice } from './lifecycle.js';
import { osText } from './names.js';

export const reportHash = (report: unknown): string => createHash('sha256').update(canonicalJson(report)).digest('hex');

const validHash = (v: unknown): string | null => (ReportHash.safeParse(v).success ? (v as string) : null);

/** The `known` frame for a stored device: the hashes of the reports the server holds. */
export function knownFrame(d: Pick<DeviceRecord, 'info' | 'infoHash'>): ServerKnown {
  return { type: 'known', inventoryHash: validHash(d.infoHash), softwareHash: validHash(d.info['softwareHash']) };
}

export type ReportOutcome = 'stored' | 'unchanged' | 'hash_mismatch' | 'gone';

/** Verifies and stores one report of device `deviceId`. */
export async function applyReport(sys: System, deviceId: string, frame: AgentSessionFrame): Promise<ReportOutcome> {
  const report = frame.type === 'inventory' ? frame.inventory : frame.software;
  if (reportHash(report) !== frame.hash) return 'hash_mismatch';
  const before = await sys.store.getDevice(deviceId);
  if (!before) return 'gone';
  const held = knownFrame(before);
  if ((frame.type === 'inventory' ? held.inventoryHash : held.softwareHash) === frame.hash) return 'unchanged';

  const patch: Partial<Omit<DeviceRecord, 'id' | 'createdAt'>> =
    frame.type === 'inventory'
      ? { info: { ...before.info, system: frame.inventory }, infoHash: frame.hash, os: osText(frame.inventory.os) }
      : { info: { ...before.info, software: frame.software, softwareHash: frame.hash } };
  if (!(await sys.store.updateDevice(deviceId, patch))) return 'gone';
  const after: DeviceRecord = { ...before, ...patch };
  await sys.events.emit({
    type: AGENT_EVENT_TYPES.deviceInventory,
    message: frame.type === 'inventory' ? `Inventory of ${after.name} changed` : `Installed software of ${after.name} changed (${frame.software.packages.length} packages)`,
    deviceId,
    groupId: after.groupId,
    data: frame.type === 'inventory' ? { report: 'system', hash: frame.hash } : { report: 'software', hash: frame.hash, packages: frame.software.packages.length },
  });
  await publishDevice(sys, after, true);
  return 'stored';
}
