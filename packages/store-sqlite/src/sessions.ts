/** Login sessions and API tokens (both belong to a user and go with it by ON DELETE CASCADE). */
import type { ApiTokenRecord, SessionRecord, Store } from '@meshwork/store';
import type { Db } from './db.js';
import { type Columns, fromRowOrNull, fromRows, insertSql, toParams } from './codec.js';

const SESSION: Columns<SessionRecord> = {
  id: ['id', 'plain'],
  userId: ['user_id', 'plain'],
  csrfToken: ['csrf_token', 'plain'],
  createdAt: ['created_at', 'plain'],
  expiresAt: ['expires_at', 'plain'],
  lastSeenAt: ['last_seen_at', 'plain'],
  ip: ['ip', 'plain'],
  userAgent: ['user_agent', 'plain'],
};
const API_TOKEN: Columns<ApiTokenRecord> = {
  id: ['id', 'plain'],
  userId: ['user_id', 'plain'],
  name: ['name', 'plain'],
  secretHash: ['secret_hash', 'plain'],
  createdAt: ['created_at', 'plain'],
  expiresAt: ['expires_at', 'plain'],
  lastUsedAt: ['last_used_at', 'plain'],
};

export type SessionMethods = Pick<Store,
  | 'createSession' | 'getSession' | 'touchSession' | 'deleteSession' | 'deleteSessionsOfUser' | 'deleteExpiredSessions'
  | 'createApiToken' | 'getApiToken' | 'getApiTokenBySecretHash' | 'listApiTokens' | 'touchApiToken' | 'deleteApiToken'>;

export function sessionMethods(db: Db): SessionMethods {
  return {
    async createSession(s) {
      db.run(insertSql('sessions', SESSION), toParams(SESSION, s));
    },
    async getSession(id) {
      return fromRowOrNull(SESSION, db.get('SELECT * FROM sessions WHERE id = ?', id));
    },
    async touchSession(id, lastSeenAt, expiresAt) {
      db.run('UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id = ?', lastSeenAt, expiresAt, id);
    },
    async deleteSession(id) {
      return db.run('DELETE FROM sessions WHERE id = ?', id).changes > 0;
    },
    async deleteSessionsOfUser(userId) {
      return db.run('DELETE FROM sessions WHERE user_id = ?', userId).changes;
    },
    async deleteExpiredSessions(now) {
      return db.run('DELETE FROM sessions WHERE expires_at <= ?', now).changes;
    },

    async createApiToken(t) {
      db.run(insertSql('api_tokens', API_TOKEN), toParams(API_TOKEN, t));
    },
    async getApiToken(id) {
      return fromRowOrNull(API_TOKEN, db.get('SELECT * FROM api_tokens WHERE id = ?', id));
    },
    async getApiTokenBySecretHash(secretHash) {
      return fromRowOrNull(API_TOKEN, db.get('SELECT * FROM api_tokens WHERE secret_hash = ?', secretHash));
    },
    async listApiTokens(userId) {
      return userId === undefined
        ? fromRows(API_TOKEN, db.all('SELECT * FROM api_tokens ORDER BY created_at, id'))
        : fromRows(API_TOKEN, db.all('SELECT * FROM api_tokens WHERE user_id = ? ORDER BY created_at, id', userId));
    },
    async touchApiToken(id, lastUsedAt) {
      db.run('UPDATE api_tokens SET last_used_at = ? WHERE id = ?', lastUsedAt, id);
    },
    async deleteApiToken(id) {
      return db.run('DELETE FROM api_tokens WHERE id = ?', id).changes > 0;
    },
  };
}
