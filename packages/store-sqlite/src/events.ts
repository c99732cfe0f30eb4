/**
 * The event log and the device timeline. Each event's visibleTo is kept twice: as JSON on the row
 * (to return it) and as rows of event_visibility(event_id, subject_id) (to filter by it).
 */
import type { EventQuery, EventRecord, Store, TimelineRecord } from '@meshwork/store';
import type { Db, SqlValue } from './db.js';
import { type Columns, fromRows, insertSql, toParams } from './codec.js';

export const EVENT: Columns<EventRecord> = {
  id: ['id', 'plain'],
  time: ['time', 'plain'],
  type: ['type', 'plain'],
  message: ['message', 'plain'],
  actorId: ['actor_id', 'plain'],
  deviceId: ['device_id', 'plain'],
  groupId: ['group_id', 'plain'],
  data: ['data', 'json'],
  visibleTo: ['visible_to', 'json'],
  expiresAt: ['expires_at', 'plain'],
};
export const TIMELINE: Columns<TimelineRecord> = {
  deviceId: ['device_id', 'plain'],
  time: ['time', 'plain'],
  state: ['state', 'plain'],
  detail: ['detail', 'plain'],
};

export type EventMethods = Pick<Store,
  'addEvent' | 'listEvents' | 'deleteExpiredEvents' | 'addTimeline' | 'listTimeline' | 'deleteTimelineBefore'>;

export function eventMethods(db: Db): EventMethods {
  return {
    async addEvent(e) {
      const params = toParams(EVENT, e);
      db.tx(() => {
        db.run(insertSql('events', EVENT), params);
        for (const subject of new Set(e.visibleTo)) {
          db.run('INSERT INTO event_visibility (event_id, subject_id) VALUES (?, ?)', e.id, subject);
        }
      });
    },
    async listEvents(q) {
      if (q.visibleTo?.length === 0 || q.limit <= 0) return [];
      const { sql, params } = listQuery(q);
      return fromRows(EVENT, db.all(sql, params));
    },
    async deleteExpiredEvents(now) {
      // event_visibility rows go by ON DELETE CASCADE
      return db.run('DELETE FROM events WHERE expires_at <= ?', now).changes;
    },

    async addTimeline(t) {
      db.run(insertSql('timeline', TIMELINE), toParams(TIMELINE, t));
    },
    async listTimeline(deviceId, since) {
      return fromRows(TIMELINE, db.all(
        'SELECT * FROM timeline WHERE device_id = ? AND time >= ? ORDER BY time, rowid', deviceId, since,
      ));
    },
    async deleteTimelineBefore(time) {
      return db.run('DELETE FROM timeline WHERE time < ?', time).changes;
    },
  };
}

/** The SQL depends only on which filters are present, so a bounded set of statements is cached. */
function listQuery(q: EventQuery): { sql: string; params: Record<string, SqlValue> } {
  const where: string[] = [];
  const params: Record<string, SqlValue> = { limit: q.limit };
  if (q.visibleTo !== undefined) {
    where.push(`EXISTS (SELECT 1 FROM event_visibility v
      WHERE v.event_id = e.id AND v.subject_id IN (SELECT value FROM json_each(@visible_to)))`);
    params['visible_to'] = JSON.stringify(q.visibleTo);
  }
  const equal: Array<[column: string, value: string | undefined]> = [
    ['device_id', q.deviceId], ['group_id', q.groupId], ['type', q.type],
  ];
  for (const [column, value] of equal) {
    if (value === undefined) continue;
    where.push(`e.${column} = @${column}`);
    params[column] = value;
  }
  if (q.before !== undefined) {
    where.push('e.time < @before');
    params['before'] = q.before;
  }
  const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  return { sql: `SELECT e.* FROM events e ${filter} ORDER BY e.time DESC, e.seq DESC LIMIT @limit`, params };
}
