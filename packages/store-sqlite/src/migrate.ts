/** Applies the numbered migrations in ./migrations, tracked with PRAGMA user_version. */
import type Database from 'better-sqlite3';
import { StoreError } from '@meshwork/store';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations/index.js';

const userVersion = (raw: Database.Database): number => Number(raw.pragma('user_version', { simple: true }));

/**
 * Brings the schema to SCHEMA_VERSION in one BEGIN IMMEDIATE transaction (all or nothing; a second
 * process opening at the same time waits, then finds nothing left to do). Refuses a database
 * written by a newer Meshwork rather than risk corrupting data it does not understand.
 */
export function migrate(raw: Database.Database): void {
  if (checkVersion(userVersion(raw)) === SCHEMA_VERSION) return;
  raw.transaction(() => {
    const current = checkVersion(userVersion(raw));
    for (const m of MIGRATIONS) {
      if (m.version > current) raw.exec(m.sql);
    }
    raw.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

function checkVersion(version: number): number {
  if (version > SCHEMA_VERSION) {
    throw new StoreError('invalid',
      `the database schema is version ${version}, newer than this Meshwork supports (${SCHEMA_VERSION}); ` +
      'upgrade Meshwork, or restore a backup made by this version');
  }
  return version;
}
