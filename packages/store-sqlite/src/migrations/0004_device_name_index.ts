/** 0004: device lists are ordered by name (case-insensitive), then id: read them in index order. */
import type { Migration } from './index.js';

export const migration: Migration = {
  version: 4,
  name: 'device_name_index',
  sql: `
CREATE INDEX devices_name ON devices(name COLLATE NOCASE, id);
`,
};
