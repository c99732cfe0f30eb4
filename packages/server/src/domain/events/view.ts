/** Event records → the wire `Event`. `visibleTo` and `expiresAt` stay on the server. */
import type { Event } from '@meshwork/protocol';
import type { EventRecord } from '@meshwork/store';
import { iso } from '../ids.js';

export function eventView(e: EventRecord): Event {
  return {
    id: e.id,
    time: iso(e.time),
    type: e.type,
    message: e.message,
    actorId: e.actorId,
    deviceId: e.deviceId,
    groupId: e.groupId,
    data: e.data,
  };
}

/** Whether an event is visible to an audience (`undefined` = unrestricted, e.g. a site admin). */
export function eventVisibleTo(e: Pick<EventRecord, 'visibleTo'>, audience: ReadonlySet<string> | undefined): boolean {
  if (audience === undefined) return true;
  return e.visibleTo.some((id) => audience.has(id));
}
