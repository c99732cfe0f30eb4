/** 0001: the initial schema. Times are INTEGER epoch ms; JSON fields are TEXT; booleans 0/1. */
import type { Migration } from './index.js';

export const migration: Migration = {
  version: 1,
  name: 'initial',
  sql: `
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT, WITHOUT ROWID;

CREATE TABLE users (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  site_rights INTEGER NOT NULL,
  disabled INTEGER NOT NULL CHECK (disabled IN (0, 1)),
  totp_secret TEXT,
  totp_pending_secret TEXT,
  backup_code_hashes TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_login_at INTEGER
) STRICT;

CREATE TABLE user_groups (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE user_group_members (
  group_id TEXT NOT NULL REFERENCES user_groups(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  PRIMARY KEY (group_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX user_group_members_user ON user_group_members(user_id);

CREATE TABLE device_groups (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;

-- subject_id is a user or a user group (by subject_kind); deleting either deletes its links in code.
CREATE TABLE rights_links (
  group_id TEXT NOT NULL REFERENCES device_groups(id) ON DELETE CASCADE,
  subject_id TEXT NOT NULL,
  subject_kind TEXT NOT NULL CHECK (subject_kind IN ('user', 'userGroup')),
  rights INTEGER NOT NULL,
  PRIMARY KEY (group_id, subject_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX rights_links_subject ON rights_links(subject_id);

CREATE TABLE devices (
  id TEXT PRIMARY KEY,
  group_id TEXT NOT NULL REFERENCES device_groups(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  tags TEXT NOT NULL,
  notes TEXT NOT NULL,
  os TEXT,
  info TEXT NOT NULL,
  info_hash TEXT,
  last_seen INTEGER,
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX devices_group_name ON devices(group_id, name COLLATE NOCASE);
CREATE INDEX devices_name ON devices(name COLLATE NOCASE);

CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  ip TEXT NOT NULL,
  user_agent TEXT NOT NULL
) STRICT;
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_expires ON sessions(expires_at);

CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  secret_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  last_used_at INTEGER
) STRICT;
CREATE INDEX api_tokens_user ON api_tokens(user_id);

-- seq orders events of equal time by insertion. Events outlive the devices and groups they name.
CREATE TABLE events (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  time INTEGER NOT NULL,
  type TEXT NOT NULL,
  message TEXT NOT NULL,
  actor_id TEXT,
  device_id TEXT,
  group_id TEXT,
  data TEXT NOT NULL,
  visible_to TEXT NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX events_time ON events(time);
CREATE INDEX events_device_time ON events(device_id, time);
CREATE INDEX events_group_time ON events(group_id, time);
CREATE INDEX events_expires ON events(expires_at);

-- One row per (event, id allowed to see it): the visibility filter of listEvents.
CREATE TABLE event_visibility (
  event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  subject_id TEXT NOT NULL,
  PRIMARY KEY (subject_id, event_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX event_visibility_event ON event_visibility(event_id);

CREATE TABLE timeline (
  device_id TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
  time INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('online', 'offline', 'sleep', 'poweroff', 'reboot')),
  detail TEXT NOT NULL
) STRICT;
CREATE INDEX timeline_device_time ON timeline(device_id, time);
CREATE INDEX timeline_time ON timeline(time);

CREATE TABLE enrolment_tokens (
  id TEXT PRIMARY KEY,
  group_id TEXT NOT NULL REFERENCES device_groups(id) ON DELETE CASCADE,
  secret_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  created_by TEXT,
  expires_at INTEGER,
  max_uses INTEGER,
  uses INTEGER NOT NULL CHECK (uses >= 0)
) STRICT;
CREATE INDEX enrolment_tokens_group ON enrolment_tokens(group_id);

CREATE TABLE login_failures (
  network_key TEXT NOT NULL,
  time INTEGER NOT NULL
) STRICT;
CREATE INDEX login_failures_key_time ON login_failures(network_key, time);
CREATE INDEX login_failures_time ON login_failures(time);

CREATE TABLE presence (
  device_id TEXT PRIMARY KEY,
  worker_id TEXT NOT NULL,
  connection_id TEXT NOT NULL,
  connected_at INTEGER NOT NULL,
  remote_address TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX presence_worker ON presence(worker_id);
`,
};
