// Opening a SQLite store: pragmas, file modes, migrations and the refusal of a newer schema.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoreError } from '@meshwork/store';
import { openDatabase } from './db.js';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations/index.js';
import { openSqliteStore } from './sqlite-store.js';

let dir = '';
let n = 0;
const newFile = (): string => join(dir, `open-${++n}.db`);
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshwork-sqlite-open-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('opening a sqlite store', () => {
  it('sets WAL, synchronous=FULL, foreign keys and a busy timeout', () => {
    const db = openDatabase(newFile());
    try {
      assert.equal(db.raw.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(db.raw.pragma('synchronous', { simple: true }), 2); // FULL
      assert.equal(db.raw.pragma('foreign_keys', { simple: true }), 1);
      assert.ok(Number(db.raw.pragma('busy_timeout', { simple: true })) >= 1000);
    } finally {
      db.close();
    }
  });

  it('creates the database, -wal and -shm files with mode 0600', async () => {
    const file = newFile();
    const store = await openSqliteStore(file);
    try {
      await store.setSetting('k', 'v');
      for (const f of [file, `${file}-wal`, `${file}-shm`]) {
        assert.equal((await stat(f)).mode & 0o777, 0o600, f);
      }
    } finally {
      await store.close();
    }
  });

  it('numbers migrations 1..n and records the latest in user_version', async () => {
    assert.deepEqual(MIGRATIONS.map((m) => m.version), MIGRATIONS.map((_, i) => i + 1));
    assert.equal(SCHEMA_VERSION, MIGRATIONS.length);
    const file = newFile();
    await (await openSqliteStore(file)).close();
    const raw = new Database(file, { readonly: true });
    try {
      assert.equal(raw.pragma('user_version', { simple: true }), SCHEMA_VERSION);
      const tables = raw.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").all() as Array<{ name: string }>;
      assert.ok(tables.some((t) => t.name === 'event_visibility'));
    } finally {
      raw.close();
    }
  });

  it('keeps data across reopening, without re-running migrations', async () => {
    const file = newFile();
    const first = await openSqliteStore(file);
    await first.setSetting('kept', { a: 1 });
    await first.close();
    const second = await openSqliteStore(file);
    try {
      assert.deepEqual(await second.getSetting('kept'), { a: 1 });
    } finally {
      await second.close();
    }
  });

  it('refuses a database whose schema version is newer than the code knows', async () => {
    const file = newFile();
    await (await openSqliteStore(file)).close();
    const raw = new Database(file);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    await assert.rejects(openSqliteStore(file), (e: unknown) => {
      assert.ok(e instanceof StoreError);
      assert.equal(e.code, 'invalid');
      assert.match(e.message, new RegExp(`version ${SCHEMA_VERSION + 1}, newer than this Meshwork supports \\(${SCHEMA_VERSION}\\)`));
      return true;
    });
  });

  it('reports a closed store as unavailable', async () => {
    const store = await openSqliteStore(newFile());
    await store.close();
    await assert.rejects(store.getSetting('k'), (e: unknown) => e instanceof StoreError && e.code === 'unavailable');
  });

  it('reports a missing directory as unavailable', async () => {
    await assert.rejects(openSqliteStore(join(dir, 'no', 'such', 'dir.db')),
      (e: unknown) => e instanceof StoreError && e.code === 'unavailable');
  });
});
