/** Handlers: events. Each caller sees only events whose `visibleTo` meets its audience (authz). */
import { ApiError } from '../../errors.js';
import { eventView } from '../../domain/events/view.js';
import { must, type AreaHandlers } from '../handler.js';

export const eventsHandlers: AreaHandlers<'events.list'> = {
  async 'events.list'({ sys, principal, query }) {
    const audience = await sys.authz.eventAudience(must(principal));
    let before: number | undefined;
    if (query.before !== undefined) {
      before = Date.parse(query.before);
      if (Number.isNaN(before)) throw new ApiError('validation_failed', 'query.before: expected an ISO-8601 time');
    }
    const events = await sys.store.listEvents({
      ...(audience !== undefined ? { visibleTo: audience } : {}),
      ...(query.deviceId !== undefined ? { deviceId: query.deviceId } : {}),
      ...(query.groupId !== undefined ? { groupId: query.groupId } : {}),
      ...(query.type !== undefined ? { type: query.type } : {}),
      ...(before !== undefined ? { before } : {}),
      limit: query.limit,
    });
    return events.map(eventView);
  },
};
