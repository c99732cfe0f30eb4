/**
 * The bus channels and the shape of their messages. A networked bus delivers JSON from other
 * processes, so subscribers check every message with these guards before using it.
 */
import type { Device } from '@meshwork/protocol';
import { Device as DeviceSchema } from '@meshwork/protocol';
import type { EventRecord } from '@meshwork/store';

/** Every stored event, as an EventRecord (with `visibleTo`). */
export const EVENTS_CHANNEL = 'events';
/** Device changes for browser streams: a new view of a device, or its removal from a group. */
export const DEVICES_CHANNEL = 'devices';

export type DeviceBusMessage =
  | { type: 'device'; device: Device }
  | { type: 'deviceRemoved'; deviceId: string; groupId: string };

const isStr = (v: unknown): v is string => typeof v === 'string';
const isStrOrNull = (v: unknown): v is string | null => v === null || typeof v === 'string';
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function isEventRecord(m: unknown): m is EventRecord {
  if (!isObj(m)) return false;
  return (
    isStr(m.id) && typeof m.time === 'number' && isStr(m.type) && isStr(m.message) &&
    isStrOrNull(m.actorId) && isStrOrNull(m.deviceId) && isStrOrNull(m.groupId) && isObj(m.data) &&
    Array.isArray(m.visibleTo) && m.visibleTo.every(isStr) && typeof m.expiresAt === 'number'
  );
}

export function isDeviceBusMessage(m: unknown): m is DeviceBusMessage {
  if (!isObj(m)) return false;
  if (m.type === 'device') return DeviceSchema.safeParse(m.device).success;
  return m.type === 'deviceRemoved' && isStr(m.deviceId) && isStr(m.groupId);
}

/** The device group a device message concerns (for visibility checks). */
export const deviceMessageGroup = (m: DeviceBusMessage): string => (m.type === 'device' ? m.device.groupId : m.groupId);
