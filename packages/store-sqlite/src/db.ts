/**
 * One better-sqlite3 connection: opening with the durability pragmas, a cache of prepared
 * statements keyed by SQL text, and error mapping on every call.
 */
import Database from 'better-sqlite3';
import { closeSync, openSync } from 'node:fs';
import { StoreError } from '@meshwork/store';
import { guard, toStoreError } from './errors.js';
import { migrate } from './migrate.js';

export type SqlValue = string | number | bigint | Buffer | null;
/** Positional values, or one object of named values (`@name` in the SQL). */
export type SqlParam = SqlValue | Readonly<Record<string, SqlValue>>;

/** How long a write waits for another connection (the server, the CLI) to release the lock. */
export const BUSY_TIMEOUT_MS = 10_000;
/** txWhenFree: back-off between attempts to take the write lock, doubling from the first to the cap. */
const LOCK_RETRY_FIRST_MS = 1;
const LOCK_RETRY_CAP_MS = 25;

export class Db {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(readonly raw: Database.Database) {}

  run(sql: string, ...params: SqlParam[]): Database.RunResult {
    return guard(() => this.prepare(sql).run(...params));
  }

  get<T = unknown>(sql: string, ...params: SqlParam[]): T | undefined {
    return guard(() => this.prepare(sql).get(...params) as T | undefined);
  }

  all<T = unknown>(sql: string, ...params: SqlParam[]): T[] {
    return guard(() => this.prepare(sql).all(...params) as T[]);
  }

  /** Runs fn in a BEGIN IMMEDIATE transaction: it takes the write lock up front, so it waits
   *  (busy_timeout) instead of failing when another process writes. */
  tx<T>(fn: () => T): T {
    return guard(() => this.raw.transaction(fn).immediate());
  }

  /**
   * Like tx, but waits for the write lock without blocking the event loop. busy_timeout makes
   * SQLite *sleep* in the calling thread until the lock is free; with several server processes on
   * one file (--workers) that froze each worker for as long as the others' commits (and their
   * fsyncs) took — hundreds of ms per second under an agent reconnect storm, with TLS handshakes,
   * pings and the UI stalled meanwhile. Here BEGIN IMMEDIATE is tried without waiting (busy_timeout
   * 0 for that statement); when another connection holds the lock, the attempt is repeated after a
   * jittered, doubling delay (1 → 25 ms) on a timer, up to BUSY_TIMEOUT_MS in all (then the
   * `unavailable` StoreError, as tx gives). `fn` runs only once the lock is held, so it runs once.
   */
  async txWhenFree<T>(fn: () => T, o: { timeoutMs?: number; random?: () => number } = {}): Promise<T> {
    const deadline = performance.now() + (o.timeoutMs ?? BUSY_TIMEOUT_MS);
    const random = o.random ?? Math.random;
    const run = this.raw.transaction(fn);
    for (let delay = LOCK_RETRY_FIRST_MS; ; delay = Math.min(2 * delay, LOCK_RETRY_CAP_MS)) {
      this.raw.pragma('busy_timeout = 0');
      try {
        return run.immediate();
      } catch (e) {
        // Busy at BEGIN: nothing ran. (In WAL mode a transaction that holds the write lock does
        // not meet SQLITE_BUSY later; if it ever did, better-sqlite3 rolled it back, so a retry
        // still runs fn on a clean slate.)
        const busy = e instanceof Database.SqliteError && e.code === 'SQLITE_BUSY';
        if (!busy || performance.now() >= deadline) throw toStoreError(e);
      } finally {
        this.raw.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      }
      await new Promise((resolve) => setTimeout(resolve, delay * (0.5 + random())));
    }
  }

  close(): void {
    if (!this.raw.open) return;
    guard(() => this.raw.pragma('optimize'));
    this.raw.close();
  }

  private prepare(sql: string): Database.Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.raw.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }
}

/** Opens (creating if needed) the database file, configures it and brings its schema up to date. */
export function openDatabase(file: string): Db {
  createPrivateFile(file);
  const raw = guard(() => new Database(file, { timeout: BUSY_TIMEOUT_MS }));
  try {
    configure(raw, file);
    migrate(raw);
    return new Db(raw);
  } catch (e) {
    raw.close();
    throw toStoreError(e);
  }
}

function configure(raw: Database.Database, file: string): void {
  raw.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  // WAL: readers never block the writer, and a commit is one sequential append to the -wal file.
  const mode = raw.pragma('journal_mode = WAL', { simple: true });
  if (mode !== 'wal' && file !== ':memory:') {
    throw new StoreError('unavailable', `could not switch ${file} to WAL mode (it is ${String(mode)})`);
  }
  // FULL, not NORMAL: in WAL mode NORMAL skips the fsync at each commit, so a commit survives a
  // process crash (kill -9) but the last transactions can be lost on power loss or an OS crash.
  // A resolved write must survive both (store.ts), and these writes are small and infrequent
  // enough that one fsync per commit is cheap (measured ~3k commits/s on the dev VM's ext4).
  raw.pragma('synchronous = FULL');
  raw.pragma('foreign_keys = ON');
  // Keep the -wal file from staying large after a burst of writes has been checkpointed.
  raw.pragma('journal_size_limit = 67108864');
  // Unicode-aware lower() for case-insensitive name search (SQLite's lower() is ASCII-only).
  raw.function('mw_lower', { deterministic: true }, (s: unknown) => (typeof s === 'string' ? s.toLowerCase() : s));
}

/** Creates the file with mode 0600 if it does not exist. SQLite gives the -wal and -shm files
 *  the permissions of the database file, so they are 0600 too. An existing file is left as is. */
function createPrivateFile(file: string): void {
  if (file === ':memory:' || file === '') return;
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return;
    const err = new StoreError('unavailable', `cannot create the database file ${file}`);
    err.cause = e;
    throw err;
  }
}
