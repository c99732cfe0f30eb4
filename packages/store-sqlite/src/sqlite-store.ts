/** SqliteStore: the Store on one SQLite file, composed from one module per area. */
import type { Store } from '@meshwork/store';
import { openDatabase } from './db.js';
import { settingsMethods } from './settings.js';
import { userMethods } from './users.js';
import { userGroupMethods } from './user-groups.js';
import { deviceGroupMethods } from './device-groups.js';
import { rightsLinkMethods } from './rights-links.js';
import { deviceMethods } from './devices.js';
import { sessionMethods } from './sessions.js';
import { eventMethods } from './events.js';
import { enrolmentMethods } from './enrolment.js';
import { loginFailureMethods } from './login-failures.js';
import { presenceMethods } from './presence.js';
import { deviceSoftwareMethods } from './device-software.js';
import { writeMethods } from './writes.js';
import { passkeyMethods } from './passkeys.js';
import { revocationMethods } from './revocations.js';
import { agentUpdateMethods } from './agent-updates.js';

export interface SqliteStore extends Store {
  readonly kind: 'sqlite';
  /** Path of the database file. */
  readonly file: string;
  /** The result of `PRAGMA integrity_check`: 'ok' when the file is healthy. */
  integrityCheck(): Promise<string>;
}

/**
 * Opens (creating it with mode 0600 if missing) and migrates the database at `file`.
 * Several processes (the server, the CLI) may open the same file at once.
 * Rejects with StoreError('invalid') if the file was written by a newer schema version.
 */
export async function openSqliteStore(file: string): Promise<SqliteStore> {
  const db = openDatabase(file);
  return {
    kind: 'sqlite',
    file,
    async close() {
      db.close();
    },
    async integrityCheck() {
      return db.all<{ integrity_check: string }>('PRAGMA integrity_check').map((r) => r.integrity_check).join('\n');
    },
    ...settingsMethods(db),
    ...userMethods(db),
    ...userGroupMethods(db),
    ...deviceGroupMethods(db),
    ...rightsLinkMethods(db),
    ...deviceMethods(db),
    ...sessionMethods(db),
    ...eventMethods(db),
    ...enrolmentMethods(db),
    ...loginFailureMethods(db),
    ...presenceMethods(db),
    ...deviceSoftwareMethods(db),
    ...writeMethods(db),
    ...passkeyMethods(db),
    ...revocationMethods(db),
    ...agentUpdateMethods(db),
  };
}
