/**
 * Event service: stores each event with the ids allowed to see it and publishes it on the bus.
 *
 * `visibleTo` = the caller's extra ids ∪ the device group ∪ the device's group ∪ the actor ∪ '*'
 * ('*' marks the event for site-wide audit: holders of the allEvents site right see it; site
 * admins see every event anyway). With `onlyVisibleTo` it is those ids ∪ the actor, nothing else.
 */
import type { EventRecord, Store } from '@meshwork/store';
import type { Bus } from '../../bus/bus.js';
import { EVENTS_CHANNEL } from '../../bus/channels.js';
import type { EventService, NewEvent } from '../../system.js';
import { newRecordId } from '../ids.js';

export const DEFAULT_EVENT_TTL_MS = 20 * 24 * 3600_000;

export function createEventService(store: Store, bus: Bus, now: () => number, ttlMs: number = DEFAULT_EVENT_TTL_MS): EventService {
  return {
    async emit(e: NewEvent): Promise<EventRecord> {
      const time = now();
      const groupId = e.groupId ?? null;
      const deviceId = e.deviceId ?? null;
      const actorId = e.actorId ?? null;
      const visible = new Set<string>(e.onlyVisibleTo ?? e.visibleTo ?? []);
      if (e.onlyVisibleTo === undefined) {
        if (groupId) visible.add(groupId);
        if (deviceId) {
          const device = await store.getDevice(deviceId);
          if (device) visible.add(device.groupId);
        }
        visible.add('*');
      }
      if (actorId) visible.add(actorId);
      const record: EventRecord = {
        id: newRecordId(),
        time,
        type: e.type,
        message: e.message,
        actorId,
        deviceId,
        groupId,
        data: e.data ?? {},
        visibleTo: [...visible],
        expiresAt: time + ttlMs,
      };
      await store.addEvent(record);
      await bus.publish(EVENTS_CHANNEL, record);
      return record;
    },
  };
}
