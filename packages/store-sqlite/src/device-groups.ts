/** Device groups. Devices, rights links, enrolment tokens (and, via devices, timelines) go with a
 *  group by ON DELETE CASCADE. */
import type { DeviceGroupRecord, Store } from '@meshwork/store';
import type { Db } from './db.js';
import { type Columns, fromRowOrNull, fromRows, insertSql, toParams, updateSql } from './codec.js';

const DEVICE_GROUP: Columns<DeviceGroupRecord> = {
  id: ['id', 'plain'],
  name: ['name', 'plain'],
  description: ['description', 'plain'],
  createdAt: ['created_at', 'plain'],
};

export type DeviceGroupMethods = Pick<Store,
  | 'createDeviceGroup' | 'getDeviceGroup' | 'getDeviceGroupByName' | 'listDeviceGroups' | 'updateDeviceGroup'
  | 'deleteDeviceGroup'>;

export function deviceGroupMethods(db: Db): DeviceGroupMethods {
  return {
    async createDeviceGroup(g) {
      db.run(insertSql('device_groups', DEVICE_GROUP), toParams(DEVICE_GROUP, g));
    },
    async getDeviceGroup(id) {
      return fromRowOrNull(DEVICE_GROUP, db.get('SELECT * FROM device_groups WHERE id = ?', id));
    },
    async getDeviceGroupByName(name) {
      return fromRowOrNull(DEVICE_GROUP, db.get('SELECT * FROM device_groups WHERE name = ?', name));
    },
    async listDeviceGroups(ids) {
      if (ids === undefined) {
        return fromRows(DEVICE_GROUP, db.all('SELECT * FROM device_groups ORDER BY name COLLATE NOCASE, id'));
      }
      return fromRows(DEVICE_GROUP, db.all(
        'SELECT * FROM device_groups WHERE id IN (SELECT value FROM json_each(?)) ORDER BY name COLLATE NOCASE, id',
        JSON.stringify(ids),
      ));
    },
    async updateDeviceGroup(id, patch) {
      const update = updateSql('device_groups', DEVICE_GROUP, ['name', 'description'], id, patch);
      if (!update) return db.get('SELECT 1 FROM device_groups WHERE id = ?', id) !== undefined;
      return db.run(update.sql, update.params).changes > 0;
    },
    async deleteDeviceGroup(id) {
      return db.run('DELETE FROM device_groups WHERE id = ?', id).changes > 0;
    },
  };
}
