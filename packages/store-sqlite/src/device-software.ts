/** Installed software: one row per device, replaced by each changed report; never read by device lists. */
import type { DeviceSoftwareRecord, Store } from '@meshwork/store';
import type { Db } from './db.js';
import { type Columns, fromRowOrNull, insertSql, toParams } from './codec.js';

const SOFTWARE: Columns<DeviceSoftwareRecord> = {
  deviceId: ['device_id', 'plain'],
  source: ['source', 'plain'],
  packages: ['packages', 'json'],
  hash: ['hash', 'plain'],
  updatedAt: ['updated_at', 'plain'],
};
const UPSERT = `${insertSql('device_software', SOFTWARE)} ON CONFLICT (device_id) DO UPDATE SET
  source = excluded.source, packages = excluded.packages, hash = excluded.hash, updated_at = excluded.updated_at`;

export type DeviceSoftwareMethods = Pick<Store, 'setDeviceSoftware' | 'getDeviceSoftware' | 'getDeviceSoftwareHash'>;

export function deviceSoftwareMethods(db: Db): DeviceSoftwareMethods {
  return {
    async setDeviceSoftware(s) {
      db.run(UPSERT, toParams(SOFTWARE, s));
    },
    async getDeviceSoftware(deviceId) {
      return fromRowOrNull(SOFTWARE, db.get('SELECT * FROM device_software WHERE device_id = ?', deviceId));
    },
    async getDeviceSoftwareHash(deviceId) {
      return db.get<{ hash: string }>('SELECT hash FROM device_software WHERE device_id = ?', deviceId)?.hash ?? null;
    },
  };
}
