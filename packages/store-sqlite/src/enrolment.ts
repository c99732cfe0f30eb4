/** Agent enrolment tokens. Consuming is one conditional UPDATE, so it is atomic across connections. */
import type { EnrolmentTokenRecord, Store } from '@meshwork/store';
import type { Db } from './db.js';
import { type Columns, fromRowOrNull, fromRows, insertSql, toParams } from './codec.js';

const TOKEN: Columns<EnrolmentTokenRecord> = {
  id: ['id', 'plain'],
  groupId: ['group_id', 'plain'],
  secretHash: ['secret_hash', 'plain'],
  createdAt: ['created_at', 'plain'],
  createdBy: ['created_by', 'plain'],
  expiresAt: ['expires_at', 'plain'],
  maxUses: ['max_uses', 'plain'],
  uses: ['uses', 'plain'],
};

export type EnrolmentMethods = Pick<Store,
  | 'createEnrolmentToken' | 'getEnrolmentToken' | 'getEnrolmentTokenBySecretHash' | 'listEnrolmentTokens'
  | 'consumeEnrolmentToken' | 'deleteEnrolmentToken'>;

export function enrolmentMethods(db: Db): EnrolmentMethods {
  return {
    async createEnrolmentToken(t) {
      db.run(insertSql('enrolment_tokens', TOKEN), toParams(TOKEN, t));
    },
    async getEnrolmentToken(id) {
      return fromRowOrNull(TOKEN, db.get('SELECT * FROM enrolment_tokens WHERE id = ?', id));
    },
    async getEnrolmentTokenBySecretHash(secretHash) {
      return fromRowOrNull(TOKEN, db.get('SELECT * FROM enrolment_tokens WHERE secret_hash = ?', secretHash));
    },
    async listEnrolmentTokens(groupId) {
      return fromRows(TOKEN, db.all('SELECT * FROM enrolment_tokens WHERE group_id = ? ORDER BY created_at, id', groupId));
    },
    async consumeEnrolmentToken(id, now) {
      return db.run(
        `UPDATE enrolment_tokens SET uses = uses + 1
         WHERE id = ? AND (expires_at IS NULL OR expires_at > ?) AND (max_uses IS NULL OR uses < max_uses)`,
        id, now,
      ).changes > 0;
    },
    async deleteEnrolmentToken(id) {
      return db.run('DELETE FROM enrolment_tokens WHERE id = ?', id).changes > 0;
    },
  };
}
