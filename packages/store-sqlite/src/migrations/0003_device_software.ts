/**
 * 0003: installed software in its own table, so device lists never load it. Reports stored by
 * earlier builds inside devices.info (`software`, `softwareHash`) move there.
 */
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
INSERT INTO device_software (device_id, source, packages, hash, updated_at)
  SELECT id, json_extract(info, '$.software.source'), json(json_extract(info, '$.software.packages')),
         json_extract(info, '$.softwareHash'), coalesce(last_seen, created_at)
  FROM devices
  WHERE json_type(info, '$.software.source') = 'text' AND json_type(info, '$.software.packages') = 'array'
    AND json_type(info, '$.softwareHash') = 'text';
UPDATE devices SET info = json_remove(info, '$.software', '$.softwareHash')
  WHERE json_type(info, '$.software') IS NOT NULL OR json_type(info, '$.softwareHash') IS NOT NULL;
`,
};
