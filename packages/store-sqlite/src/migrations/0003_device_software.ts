/** 0003: installed software in its own table, so device lists never load it. */
import type { Migration } from './index.js';

export const migration: Migration = {
  version: 3,
  name: 'device_software',
  sql: `
CREATE TABLE device_software (
  device_id TEXT PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,
  source TEXT NOT NULL,
  packages TEXT NOT NULL,
  hash TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
`,
};
