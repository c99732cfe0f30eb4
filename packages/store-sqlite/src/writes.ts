/**
 * applyWrites: many small writes in one BEGIN IMMEDIATE transaction, so one commit (one fsync with
 * synchronous=FULL) covers them all. Each write runs in its own savepoint: a failing write (a
 * device removed meanwhile) is rolled back alone and reported, the others commit. The write lock
 * is waited for on timers, not in SQLite's busy handler (Db.txWhenFree): server workers share the file.
 */
import { StoreError, type Store, type StoreWrite, type StoreWriteResult } from '@meshwork/store';
import type { Db } from './db.js';
import { insertSql, toParams } from './codec.js';
import { DEVICE, UPSERT_DEVICE } from './devices.js';
import { EVENT, TIMELINE } from './events.js';
import { guard, toStoreError } from './errors.js';
import { PRESENCE, UPSERT_PRESENCE } from './presence.js';
import { UPDATE, UPSERT_UPDATE } from './agent-updates.js';

const INSERT_EVENT = insertSql('events', EVENT);
const INSERT_TIMELINE = insertSql('timeline', TIMELINE);

export type WriteMethods = Pick<Store, 'applyWrites'>;

/** Runs one write; true when it changed something. */
function apply(db: Db, w: StoreWrite): boolean {
  switch (w.kind) {
    case 'upsertDevice':
      db.run(UPSERT_DEVICE, toParams(DEVICE, w.device));
      return true;
    case 'touchDevice':
      return db.run('UPDATE devices SET last_seen = ? WHERE id = ?', w.lastSeen, w.deviceId).changes > 0;
    case 'setPresence':
      db.run(UPSERT_PRESENCE, toParams(PRESENCE, w.presence));
      return true;
    case 'clearPresence':
      return db.run('DELETE FROM presence WHERE device_id = ? AND connection_id = ?', w.deviceId, w.connectionId).changes > 0;
    case 'addTimeline':
      db.run(INSERT_TIMELINE, toParams(TIMELINE, w.entry));
      return true;
    case 'addEvent':
      db.run(INSERT_EVENT, toParams(EVENT, w.event));
      for (const subject of new Set(w.event.visibleTo)) {
        db.run('INSERT INTO event_visibility (event_id, subject_id) VALUES (?, ?)', w.event.id, subject);
      }
      return true;
    case 'setAgentUpdate':
      db.run(UPSERT_UPDATE, toParams(UPDATE, w.update));
      return true;
  }
}

export function writeMethods(db: Db): WriteMethods {
  return {
    async applyWrites(writes) {
      if (writes.length === 0) return [];
      return db.txWhenFree(() => {
        const results: StoreWriteResult[] = [];
        for (const w of writes) {
          if (w.requires !== undefined && results[w.requires]?.status !== 'ok') {
            results.push({ status: 'skipped' });
            continue;
          }
          try {
            // A nested better-sqlite3 transaction is a SAVEPOINT: a failure undoes this write only.
            const changed = guard(() => db.raw.transaction(() => apply(db, w))());
            results.push({ status: changed ? 'ok' : 'unchanged' });
          } catch (e) {
            const err = toStoreError(e);
            if (!(err instanceof StoreError) || err.code === 'unavailable') throw err; // a bug or the disk: the whole batch fails
            results.push({ status: 'failed', error: err });
          }
        }
        return results;
      });
    },
  };
}
