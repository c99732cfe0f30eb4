/**
 * Inventory reports from a connected agent. The agent sends a report only when its hash differs
 * from what `known` said the server holds (whole, or in acknowledged parts that the connection
 * reassembles first: ws/agent/connection.ts); the server recomputes the hash (SHA-256 hex of the
 * protocol's canonicalJson of the report) and refuses a mismatch. Stored:
 *
 *   device.info.system        SystemInventory        device.infoHash        its hash
 *   device.info.systemAt      when it was stored (ms)
 *   device.os                 `${os.name} ${os.version}` as display text
 *   device_software table     SoftwareInventory + hash (store.setDeviceSoftware): installed
 *                             packages can be thousands of rows' worth, so device lists never load them
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

/**
 * The `known` frame for a stored device: the hashes of the reports the server holds, and — for an
 * agent that announced it can send them — the largest report part the server accepts.
 */
export function knownFrame(d: Pick<DeviceRecord, 'infoHash'>, softwareHash: string | null, reportPartBytes?: number): ServerKnown {
  return { type: 'known', inventoryHash: validHash(d.infoHash), softwareHash: validHash(softwareHash), ...(reportPartBytes !== undefined ? { reportPartBytes } : {}) };
}

export type ReportOutcome = 'stored' | 'unchanged' | 'hash_mismatch' | 'gone';

/** Verifies and stores one report of device `deviceId`. */
export async function applyReport(sys: System, deviceId: string, frame: AgentSessionFrame): Promise<ReportOutcome> {
  const report = frame.type === 'inventory' ? frame.inventory : frame.software;
  if (reportHash(report) !== frame.hash) return 'hash_mismatch';
  const before = await sys.store.getDevice(deviceId);
  if (!before) return 'gone';
  const held = frame.type === 'inventory' ? validHash(before.infoHash) : await sys.store.getDeviceSoftwareHash(deviceId);
  if (held === frame.hash) return 'unchanged';

  const now = sys.now();
  if (frame.type === 'inventory') {
    const patch = { info: { ...before.info, system: frame.inventory, systemAt: now }, infoHash: frame.hash, os: osText(frame.inventory.os) };
    if (!(await sys.store.updateDevice(deviceId, patch))) return 'gone';
    Object.assign(before, patch);
  } else {
    try {
      await sys.store.setDeviceSoftware({ deviceId, source: frame.software.source, packages: frame.software.packages, hash: frame.hash, updatedAt: now });
    } catch (err) {
      if ((err as { code?: unknown }).code === 'not_found') return 'gone';
      throw err;
    }
  }
  await sys.events.emit({
    type: AGENT_EVENT_TYPES.deviceInventory,
    message: frame.type === 'inventory' ? `Inventory of ${before.name} changed` : `Installed software of ${before.name} changed (${frame.software.packages.length} packages)`,
    deviceId,
    groupId: before.groupId,
    data: frame.type === 'inventory' ? { report: 'system', hash: frame.hash } : { report: 'software', hash: frame.hash, packages: frame.software.packages.length },
  });
  await publishDevice(sys, before, true);
  return 'stored';
}
