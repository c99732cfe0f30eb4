/** Settings: key → JSON text. */
import type { Store } from '@meshwork/store';
import type { Db } from './db.js';
import { encodeJson } from './codec.js';

export type SettingsMethods = Pick<Store, 'getSetting' | 'setSetting' | 'deleteSetting'>;

export function settingsMethods(db: Db): SettingsMethods {
  return {
    async getSetting<T = unknown>(key: string): Promise<T | null> {
      const row = db.get<{ value: string }>('SELECT value FROM settings WHERE key = ?', key);
      return row === undefined ? null : (JSON.parse(row.value) as T);
    },
    async setSetting(key, value) {
      db.run(
        'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
        key, encodeJson(value, `setting ${key}`),
      );
    },
    async deleteSetting(key) {
      return db.run('DELETE FROM settings WHERE key = ?', key).changes > 0;
    },
  };
}
