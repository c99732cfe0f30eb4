/** Group enrolment keys and device revocations (migration 0004). */
import type { DeviceRevocationRecord, Store } from '@meshwork/store';
import type { Db } from './db.js';
import { type Columns, fromRowOrNull, fromRows, insertSql, toParams } from './codec.js';

const REVOCATION: Columns<DeviceRevocationRecord> = {
  deviceId: ['device_id', 'plain'],
  name: ['name', 'plain'],
  groupId: ['group_id', 'plain'],
  revokedAt: ['revoked_at', 'plain'],
  revokedBy: ['revoked_by', 'plain'],
};

export type RevocationMethods = Pick<Store,
  | 'setGroupEnrolmentKey' | 'getGroupEnrolmentKey' | 'getGroupIdByEnrolmentKey' | 'deleteGroupEnrolmentKey'
  | 'revokeDevice' | 'getDeviceRevocation' | 'listDeviceRevocations' | 'deleteDeviceRevocation'>;

export function revocationMethods(db: Db): RevocationMethods {
  const insertRevocation = insertSql('device_revocations', REVOCATION).replace(/^INSERT INTO/, 'INSERT OR REPLACE INTO');
  return {
    async setGroupEnrolmentKey(groupId, key, now) {
      db.run(
        `INSERT INTO group_enrolment_keys (group_id, key, created_at) VALUES (?, ?, ?)
         ON CONFLICT (group_id) DO UPDATE SET key = excluded.key, created_at = excluded.created_at`,
        groupId, key, now,
      );
    },
    async getGroupEnrolmentKey(groupId) {
      return db.get<{ key: string }>('SELECT key FROM group_enrolment_keys WHERE group_id = ?', groupId)?.key ?? null;
    },
    async getGroupIdByEnrolmentKey(key) {
      return db.get<{ group_id: string }>('SELECT group_id FROM group_enrolment_keys WHERE key = ?', key)?.group_id ?? null;
    },
    async deleteGroupEnrolmentKey(groupId) {
      return db.run('DELETE FROM group_enrolment_keys WHERE group_id = ?', groupId).changes > 0;
    },
    async revokeDevice(r) {
      return db.tx(() => {
        if (db.run('DELETE FROM devices WHERE id = ?', r.deviceId).changes === 0) return false;
        db.run(insertRevocation, toParams(REVOCATION, r));
        return true;
      });
    },
    async getDeviceRevocation(deviceId) {
      return fromRowOrNull(REVOCATION, db.get('SELECT * FROM device_revocations WHERE device_id = ?', deviceId));
    },
    async listDeviceRevocations() {
      return fromRows(REVOCATION, db.all('SELECT * FROM device_revocations ORDER BY revoked_at DESC, device_id'));
    },
    async deleteDeviceRevocation(deviceId) {
      return db.run('DELETE FROM device_revocations WHERE device_id = ?', deviceId).changes > 0;
    },
  };
}
