/** Presence: which worker holds each device's control connection. The latest setPresence wins;
 *  clearPresence removes the row only for the connection that still holds it. */
import type { PresenceRecord, Store } from '@meshwork/store';
import type { Db } from './db.js';
import { type Columns, fromRowOrNull, fromRows, insertSql, toParams } from './codec.js';

export const PRESENCE: Columns<PresenceRecord> = {
  deviceId: ['device_id', 'plain'],
  workerId: ['worker_id', 'plain'],
  connectionId: ['connection_id', 'plain'],
  connectedAt: ['connected_at', 'plain'],
  remoteAddress: ['remote_address', 'plain'],
};
export const UPSERT_PRESENCE = `${insertSql('presence', PRESENCE)} ON CONFLICT (device_id) DO UPDATE SET
  worker_id = excluded.worker_id, connection_id = excluded.connection_id,
  connected_at = excluded.connected_at, remote_address = excluded.remote_address`;

export type PresenceMethods = Pick<Store,
  'setPresence' | 'getPresence' | 'listPresence' | 'clearPresence' | 'clearPresenceOfWorker'>;

export function presenceMethods(db: Db): PresenceMethods {
  return {
    async setPresence(p) {
      db.run(UPSERT_PRESENCE, toParams(PRESENCE, p));
    },
    async getPresence(deviceId) {
      return fromRowOrNull(PRESENCE, db.get('SELECT * FROM presence WHERE device_id = ?', deviceId));
    },
    async listPresence(deviceIds) {
      if (deviceIds === undefined) return fromRows(PRESENCE, db.all('SELECT * FROM presence'));
      if (deviceIds.length === 0) return [];
      return fromRows(PRESENCE, db.all(
        'SELECT * FROM presence WHERE device_id IN (SELECT value FROM json_each(?))', JSON.stringify(deviceIds),
      ));
    },
    async clearPresence(deviceId, connectionId) {
      return db.run('DELETE FROM presence WHERE device_id = ? AND connection_id = ?', deviceId, connectionId).changes > 0;
    },
    async clearPresenceOfWorker(workerId) {
      return db.run('DELETE FROM presence WHERE worker_id = ?', workerId).changes;
    },
  };
}
