/**
 * Event types of the agent connection life. Part of the API (`events.list?type=`), never renamed.
 * (Kept here, beside the code that emits them, until the lead folds them into events/types.ts.)
 */
import type { EventRecord } from '@meshwork/store';
import { EVENTS_CHANNEL } from '../../bus/channels.js';
import type { System } from '../../system.js';
import { newRecordId } from '../ids.js';

export const AGENT_EVENT_TYPES = {
  deviceEnrolled: 'device.enrolled',
  deviceOnline: 'device.online',
  deviceOffline: 'device.offline',
  deviceSuperseded: 'device.superseded',
  deviceInventory: 'device.inventory',
} as const;

/**
 * A device event as the event service would store it (visible to the device's group and to site
 * admins), built here so that it can be written in a batch with other rows (group-commit.ts).
 * Publish it with `publishEvent` once the write committed.
 */
export function deviceEvent(sys: System, e: { type: string; message: string; deviceId: string; groupId: string; data: Record<string, unknown> }): EventRecord {
  const time = sys.now();
  return {
    id: newRecordId(),
    time,
    type: e.type,
    message: e.message,
    actorId: null,
    deviceId: e.deviceId,
    groupId: e.groupId,
    data: e.data,
    visibleTo: [e.groupId, '*'],
    expiresAt: time + sys.config.eventTtlMs,
  };
}

export const publishEvent = (sys: System, record: EventRecord): Promise<void> => sys.bus.publish(EVENTS_CHANNEL, record);
