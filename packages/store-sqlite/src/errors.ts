/** Maps better-sqlite3 errors to StoreError codes; anything unrecognised (a bug) passes through. */
import Database from 'better-sqlite3';
import { StoreError, type StoreErrorCode } from '@meshwork/store';

const BY_CODE: ReadonlyArray<readonly [prefix: string, code: StoreErrorCode, message: string]> = [
  ['SQLITE_CONSTRAINT_UNIQUE', 'conflict', 'a record with this key already exists'],
  ['SQLITE_CONSTRAINT_PRIMARYKEY', 'conflict', 'a record with this key already exists'],
  ['SQLITE_CONSTRAINT_FOREIGNKEY', 'not_found', 'a referenced record does not exist'],
  ['SQLITE_CONSTRAINT', 'invalid', 'the record breaks a constraint of the store'],
  ['SQLITE_MISMATCH', 'invalid', 'a value has the wrong type'],
  ['SQLITE_TOOBIG', 'invalid', 'a value is too large'],
  ['SQLITE_BUSY', 'unavailable', 'the database is busy'],
  ['SQLITE_LOCKED', 'unavailable', 'the database is locked'],
  ['SQLITE_IOERR', 'unavailable', 'the database file could not be read or written'],
  ['SQLITE_FULL', 'unavailable', 'the disk is full'],
  ['SQLITE_READONLY', 'unavailable', 'the database is read-only'],
  ['SQLITE_CANTOPEN', 'unavailable', 'the database file cannot be opened'],
  ['SQLITE_CORRUPT', 'unavailable', 'the database file is corrupt'],
  ['SQLITE_NOTADB', 'unavailable', 'the file is not a database'],
  ['SQLITE_PROTOCOL', 'unavailable', 'the database lock protocol failed'],
];

export function toStoreError(e: unknown): unknown {
  if (e instanceof StoreError) return e;
  if (e instanceof Database.SqliteError) {
    const hit = BY_CODE.find(([prefix]) => e.code === prefix || e.code.startsWith(`${prefix}_`));
    if (hit) return withCause(new StoreError(hit[1], hit[2]), e);
  }
  if (e instanceof TypeError && e.message.includes('database connection is not open')) {
    return withCause(new StoreError('unavailable', 'the store is closed'), e);
  }
  return e;
}

function withCause(err: StoreError, cause: unknown): StoreError {
  err.cause = cause;
  return err;
}

/** Runs fn, rethrowing its errors as StoreErrors where they map to one. */
export function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw toStoreError(e);
  }
}
