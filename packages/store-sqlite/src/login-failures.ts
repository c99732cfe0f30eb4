/** Failed logins per network key, for throttling. */
import type { Store } from '@meshwork/store';
import type { Db } from './db.js';

export type LoginFailureMethods = Pick<Store,
  'addLoginFailure' | 'countLoginFailures' | 'clearLoginFailures' | 'deleteLoginFailuresBefore'>;

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
    async deleteLoginFailuresBefore(time) {
      return db.run('DELETE FROM login_failures WHERE time < ?', time).changes;
    },
  };
}
