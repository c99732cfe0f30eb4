/** Passkeys (WebAuthn credentials) and one-time auth challenges; both go with their user (ON DELETE CASCADE). */
import type { AuthChallengeRecord, PasskeyRecord, Store } from '@meshwork/store';
import type { Db } from './db.js';
import { type Columns, fromRow, fromRowOrNull, insertSql, toParams } from './codec.js';

const PASSKEY: Columns<PasskeyRecord> = {
  id: ['id', 'plain'],
  userId: ['user_id', 'plain'],
  credentialId: ['credential_id', 'plain'],
  publicKey: ['public_key', 'plain'],
  counter: ['counter', 'plain'],
  transports: ['transports', 'json'],
  name: ['name', 'plain'],
  createdAt: ['created_at', 'plain'],
  lastUsedAt: ['last_used_at', 'plain'],
};
const CHALLENGE: Columns<AuthChallengeRecord> = {
  id: ['id', 'plain'],
  purpose: ['purpose', 'plain'],
  userId: ['user_id', 'plain'],
  challenge: ['challenge', 'plain'],
  expiresAt: ['expires_at', 'plain'],
};

/** BLOBs come back as Buffers; records carry plain Uint8Arrays (what every adapter returns). */
function passkey(row: unknown): PasskeyRecord {
  const p = fromRow(PASSKEY, row);
  return { ...p, publicKey: new Uint8Array(p.publicKey) };
}

export type PasskeyMethods = Pick<Store,
  | 'createPasskey' | 'listPasskeysOfUser' | 'getPasskeyByCredentialId' | 'updatePasskeyUsage' | 'deletePasskeyOfUser'
  | 'deletePasskeysOfUser' | 'createAuthChallenge' | 'consumeAuthChallenge' | 'deleteExpiredAuthChallenges'>;

export function passkeyMethods(db: Db): PasskeyMethods {
  return {
    async createPasskey(p) {
      const params = toParams(PASSKEY, p);
      params.public_key = Buffer.from(p.publicKey.buffer, p.publicKey.byteOffset, p.publicKey.byteLength);
      db.run(insertSql('passkeys', PASSKEY), params);
    },
    async listPasskeysOfUser(userId) {
      return db.all('SELECT * FROM passkeys WHERE user_id = ? ORDER BY created_at, id', userId).map(passkey);
    },
    async getPasskeyByCredentialId(credentialId) {
      const row = db.get('SELECT * FROM passkeys WHERE credential_id = ?', credentialId);
      return row === undefined ? null : passkey(row);
    },
    async updatePasskeyUsage(id, counter, lastUsedAt) {
      return db.run('UPDATE passkeys SET counter = ?, last_used_at = ? WHERE id = ?', counter, lastUsedAt, id).changes > 0;
    },
    async deletePasskeyOfUser(id, userId) {
      return db.run('DELETE FROM passkeys WHERE id = ? AND user_id = ?', id, userId).changes > 0;
    },
    async deletePasskeysOfUser(userId) {
      return db.run('DELETE FROM passkeys WHERE user_id = ?', userId).changes;
    },

    async createAuthChallenge(c) {
      db.run(insertSql('auth_challenges', CHALLENGE), toParams(CHALLENGE, c));
    },
    async consumeAuthChallenge(id, purpose, now) {
      // One statement: of concurrent callers (any process) exactly one gets the row.
      const c = fromRowOrNull(CHALLENGE, db.get('DELETE FROM auth_challenges WHERE id = ? AND purpose = ? RETURNING *', id, purpose));
      return c !== null && c.expiresAt > now ? c : null;
    },
    async deleteExpiredAuthChallenges(now) {
      return db.run('DELETE FROM auth_challenges WHERE expires_at <= ?', now).changes;
    },
  };
}
