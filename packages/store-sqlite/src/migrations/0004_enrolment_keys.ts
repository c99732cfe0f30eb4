/**
 * 0004: enrolment is no longer by group id. Each device group gets a random enrolment key (none:
 * "tokens only"); existing groups get one here, so old install files (group id only) stop enrolling
 * while enrolled devices keep working. Removed devices leave a revocation that refuses their key
 * until an administrator lifts it.
 */
import type { Migration } from './index.js';

export const migration: Migration = {
  version: 4,
  name: 'enrolment_keys',
  sql: `
CREATE TABLE group_enrolment_keys (
  group_id TEXT PRIMARY KEY REFERENCES device_groups(id) ON DELETE CASCADE,
  key TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL
) STRICT;
INSERT INTO group_enrolment_keys (group_id, key, created_at)
  SELECT id, 'mwk_' || lower(hex(randomblob(32))), created_at FROM device_groups;
CREATE TABLE device_revocations (
  device_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  group_id TEXT NOT NULL,
  revoked_at INTEGER NOT NULL,
  revoked_by TEXT
) STRICT;
`,
};
