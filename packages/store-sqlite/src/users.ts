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
  'createUser' | 'getUser' | 'getUserByName' | 'listUsers' | 'countUsers' | 'updateUser' | 'deleteUser'>;

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
    async deleteUser(id) {
      return db.tx(() => {
        db.run("DELETE FROM rights_links WHERE subject_id = ? AND subject_kind = 'user'", id);
        return db.run('DELETE FROM users WHERE id = ?', id).changes > 0;
      });
    },
  };
}
