/**
 * Failed logins per key (network or account), for throttling. A reservation counts and inserts
 * in one BEGIN IMMEDIATE transaction, so concurrent logins in any process are counted in turn;
 * a row's id is its rowid.
 */
import type { LoginAttemptCount, Store } from '@meshwork/store';
import type { Db } from './db.js';

export type LoginFailureMethods = Pick<Store,
  | 'addLoginFailure' | 'countLoginFailures' | 'clearLoginFailures' | 'deleteLoginFailuresBefore'
  | 'reserveLoginAttempt' | 'releaseLoginAttempts'>;

export function loginFailureMethods(db: Db): LoginFailureMethods {
  return {
    async addLoginFailure(networkKey, time) {
      db.run('INSERT INTO login_failures (network_key, time) VALUES (?, ?)', networkKey, time);
    },
    async countLoginFailures(networkKey, since) {
      return db.get<{ n: number }>(
        'SELECT count(*) AS n FROM login_failures WHERE network_key = ? AND time >= ?', networkKey, since,
      )?.n ?? 0;
    },
    async clearLoginFailures(networkKey) {
      db.run('DELETE FROM login_failures WHERE network_key = ?', networkKey);
    },
    async reserveLoginAttempt(keys, since, time, refuse) {
      return db.txWhenFree(() => {
        const seen = keys.map((key): LoginAttemptCount => {
          const row = db.get<{ n: number; last: number | null }>(
            'SELECT count(*) AS n, max(time) AS last FROM login_failures WHERE network_key = ? AND time >= ?', key, since,
          );
          return { key, count: row?.n ?? 0, last: row?.last ?? null };
        });
        const refused = refuse(seen);
        if (refused !== null) return { refused };
        const ids = keys.map((key) => Number(db.run('INSERT INTO login_failures (network_key, time) VALUES (?, ?)', key, time).lastInsertRowid));
        return { ids };
      });
    },
    async releaseLoginAttempts(ids) {
      for (const id of ids) db.run('DELETE FROM login_failures WHERE rowid = ?', id);
    },
    async deleteLoginFailuresBefore(time) {
      return db.run('DELETE FROM login_failures WHERE time < ?', time).changes;
    },
  };
}
