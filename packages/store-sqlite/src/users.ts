/** Users. Sessions, API tokens and memberships go with a user by ON DELETE CASCADE; rights links in code. */
import type { Store, UserRecord } from '@meshwork/store';
import type { Db } from './db.js';
import { type Columns, fromRowOrNull, fromRows, insertSql, toParams, updateSql } from './codec.js';

const USER: Columns<UserRecord> = {
  id: ['id', 'plain'],
  name: ['name', 'plain'],
  passwordHash: ['password_hash', 'plain'],
  siteRights: ['site_rights', 'plain'],
  disabled: ['disabled', 'bool'],
  totpSecret: ['totp_secret', 'plain'],
  totpPendingSecret: ['totp_pending_secret', 'plain'],
  backupCodeHashes: ['backup_code_hashes', 'json'],
  createdAt: ['created_at', 'plain'],
  lastLoginAt: ['last_login_at', 'plain'],
};
const PATCHABLE = [
  'name', 'passwordHash', 'siteRights', 'disabled', 'totpSecret', 'totpPendingSecret', 'backupCodeHashes', 'lastLoginAt',
] as const;

export type UserMethods = Pick<Store,
  | 'createUser' | 'getUser' | 'getUserByName' | 'listUsers' | 'countUsers' | 'updateUser' | 'deleteUser'
  | 'consumeBackupCode' | 'useTotpStep' | 'clearTotpSteps'>;

/** The last used TOTP step of a user lives in settings (a JSON number), as it did before. */
const totpStepKey = (userId: string): string => `totp.lastStep.${userId}`;

export function userMethods(db: Db): UserMethods {
  return {
    async createUser(u) {
      db.run(insertSql('users', USER), toParams(USER, u));
    },
    async getUser(id) {
      return fromRowOrNull(USER, db.get('SELECT * FROM users WHERE id = ?', id));
    },
    async getUserByName(name) {
      return fromRowOrNull(USER, db.get('SELECT * FROM users WHERE name = ?', name));
    },
    async listUsers() {
      return fromRows(USER, db.all('SELECT * FROM users ORDER BY name COLLATE NOCASE, id'));
    },
    async countUsers() {
      return db.get<{ n: number }>('SELECT count(*) AS n FROM users')?.n ?? 0;
    },
    async updateUser(id, patch) {
      const update = updateSql('users', USER, PATCHABLE, id, patch);
      if (!update) return db.get('SELECT 1 FROM users WHERE id = ?', id) !== undefined;
      return db.run(update.sql, update.params).changes > 0;
    },
    async consumeBackupCode(userId, hash) {
      return db.txWhenFree(() => {
        const row = db.get<{ backup_code_hashes: string }>('SELECT backup_code_hashes FROM users WHERE id = ?', userId);
        if (!row) return false;
        const hashes = JSON.parse(row.backup_code_hashes) as string[];
        const left = hashes.filter((h) => h !== hash);
        if (left.length === hashes.length) return false;
        db.run('UPDATE users SET backup_code_hashes = ? WHERE id = ?', JSON.stringify(left), userId);
        return true;
      });
    },
    async useTotpStep(userId, step) {
      // One conditional upsert: of two concurrent uses of one step, the second changes nothing.
      return db.run(
        `INSERT INTO settings (key, value) VALUES (?, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE CAST(settings.value AS INTEGER) < CAST(excluded.value AS INTEGER)`,
        totpStepKey(userId), JSON.stringify(Math.trunc(step)),
      ).changes > 0;
    },
    async clearTotpSteps(userId) {
      db.run('DELETE FROM settings WHERE key = ?', totpStepKey(userId));
    },
    async deleteUser(id) {
      return db.tx(() => {
        db.run("DELETE FROM rights_links WHERE subject_id = ? AND subject_kind = 'user'", id);
        db.run('DELETE FROM settings WHERE key = ?', totpStepKey(id));
        return db.run('DELETE FROM users WHERE id = ?', id).changes > 0;
      });
    },
  };
}
