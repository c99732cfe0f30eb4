/** Devices: upsert by id, the list query by groups, tag and name text, and the list's version. */
import type { DeviceQuery, DeviceRecord, DeviceSummary, Store } from '@meshwork/store';
import type { Db, SqlValue } from './db.js';
import { type Columns, fromRowOrNull, fromRows, insertSql, toParams, updateSql } from './codec.js';

export const DEVICE: Columns<DeviceRecord> = {
  id: ['id', 'plain'],
  groupId: ['group_id', 'plain'],
  name: ['name', 'plain'],
  tags: ['tags', 'json'],
  notes: ['notes', 'plain'],
  os: ['os', 'plain'],
  info: ['info', 'json'],
  infoHash: ['info_hash', 'plain'],
  lastSeen: ['last_seen', 'plain'],
  createdAt: ['created_at', 'plain'],
};
const SUMMARY: Columns<DeviceSummary> = {
  id: DEVICE.id, groupId: DEVICE.groupId, name: DEVICE.name, tags: DEVICE.tags, notes: DEVICE.notes, os: DEVICE.os,
  lastSeen: DEVICE.lastSeen, createdAt: DEVICE.createdAt,
};
const SUMMARY_COLUMNS = Object.values(SUMMARY).map(([column]) => column).join(', ');
const PATCHABLE = ['groupId', 'name', 'tags', 'notes', 'os', 'info', 'infoHash', 'lastSeen'] as const;
// An existing device keeps its id and createdAt; every other column is replaced.
export const UPSERT_DEVICE = `${insertSql('devices', DEVICE)} ON CONFLICT (id) DO UPDATE SET ${
  PATCHABLE.map((f) => `${DEVICE[f][0]} = excluded.${DEVICE[f][0]}`).join(', ')}`;

export type DeviceMethods = Pick<Store,
  'upsertDevice' | 'getDevice' | 'listDevices' | 'listDeviceSummaries' | 'countDevices' | 'devicesVersion' | 'updateDevice' | 'deleteDevice'>;

/**
 * `data_version` changes when another connection (another worker, the CLI) commits; it does not
 * see this connection's own commits, which `total_changes()` counts (rows written since the
 * connection opened, foreign-key cascades included). Together they change on every committed
 * write to the file — coarser than the device tables alone, never finer.
 */
const VERSION_SQL = 'SELECT (SELECT data_version FROM pragma_data_version) AS v, total_changes() AS c';

export function deviceMethods(db: Db): DeviceMethods {
  return {
    async upsertDevice(d) {
      db.run(UPSERT_DEVICE, toParams(DEVICE, d));
    },
    async getDevice(id) {
      return fromRowOrNull(DEVICE, db.get('SELECT * FROM devices WHERE id = ?', id));
    },
    async listDevices(q = {}) {
      if (q.groupIds?.length === 0) return [];
      const { sql, params } = listQuery(q, '*');
      return fromRows(DEVICE, db.all(sql, params));
    },
    async listDeviceSummaries(q = {}) {
      if (q.groupIds?.length === 0) return [];
      const { sql, params } = listQuery(q, SUMMARY_COLUMNS);
      return fromRows(SUMMARY, db.all(sql, params));
    },
    async countDevices() {
      return db.get<{ n: number }>('SELECT count(*) AS n FROM devices')?.n ?? 0;
    },
    async devicesVersion() {
      const r = db.get<{ v: number; c: number }>(VERSION_SQL);
      return `${r?.v ?? 0}.${r?.c ?? 0}`;
    },
    async updateDevice(id, patch) {
      const update = updateSql('devices', DEVICE, PATCHABLE, id, patch);
      if (!update) return db.get('SELECT 1 FROM devices WHERE id = ?', id) !== undefined;
      return db.run(update.sql, update.params).changes > 0;
    },
    async deleteDevice(id) {
      return db.run('DELETE FROM devices WHERE id = ?', id).changes > 0;
    },
  };
}

/** The SQL depends only on which filters are present and the columns, so at most 16 statements are cached. */
function listQuery(q: DeviceQuery, columns: string): { sql: string; params: Record<string, SqlValue> } {
  const where: string[] = [];
  const params: Record<string, SqlValue> = { limit: q.limit ?? -1 };
  if (q.groupIds !== undefined) {
    where.push('group_id IN (SELECT value FROM json_each(@group_ids))');
    params['group_ids'] = JSON.stringify(q.groupIds);
  }
  if (q.tag !== undefined) {
    where.push('EXISTS (SELECT 1 FROM json_each(devices.tags) WHERE value = @tag)');
    params['tag'] = q.tag;
  }
  if (q.text !== undefined) {
    // instr(), not LIKE: '%', '_' and '\' in the text are plain characters.
    where.push('instr(mw_lower(name), mw_lower(@text)) > 0');
    params['text'] = q.text;
  }
  const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  return { sql: `SELECT ${columns} FROM devices ${filter} ORDER BY name COLLATE NOCASE, id LIMIT @limit`, params };
}
