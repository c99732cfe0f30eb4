/**
 * 0005: agent self-update. A device group's policy (no row: `all`), each device's update state
 * (the version it runs, the latest offer and its state), and how each offered version ended on
 * each device (what releases a version past the canary groups, and what is never offered again).
 */
import type { Migration } from './index.js';

export const migration: Migration = {
  version: 5,
  name: 'agent_updates',
  sql: `
CREATE TABLE group_agent_updates (
  group_id TEXT PRIMARY KEY REFERENCES device_groups(id) ON DELETE CASCADE,
  policy TEXT NOT NULL CHECK (policy IN ('off', 'all', 'canary'))
) STRICT;
CREATE INDEX group_agent_updates_policy ON group_agent_updates (policy);
CREATE TABLE agent_updates (
  device_id TEXT PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,
  version TEXT,
  platform TEXT,
  target TEXT,
  state TEXT,
  error TEXT,
  at INTEGER NOT NULL
) STRICT;
CREATE TABLE agent_update_outcomes (
  device_id TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
  version TEXT NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('updated', 'failed', 'rolled-back')),
  error TEXT,
  at INTEGER NOT NULL,
  PRIMARY KEY (device_id, version)
) STRICT;
CREATE INDEX agent_update_outcomes_version ON agent_update_outcomes (version, outcome);
`,
};
