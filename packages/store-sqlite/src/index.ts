/** The embedded default Store: one SQLite file (better-sqlite3, WAL, synchronous=FULL). */
export { openSqliteStore, type SqliteStore } from './sqlite-store.js';
export { SCHEMA_VERSION } from './migrations/index.js';
