/**
 * The schema migrations, in order. A migration is never edited once released: add a new file
 * NNNN_name.ts with the next version and append it here. Versions must be 1..n with no gaps.
 */
import { migration as m0001 } from './0001_initial.js';
import { migration as m0002 } from './0002_passkeys.js';
import { migration as m0003 } from './0003_device_software.js';
import { migration as m0004 } from './0004_enrolment_keys.js';
import { migration as m0005 } from './0005_agent_updates.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  /** One or more SQL statements, run inside the migration transaction. */
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [m0001, m0002, m0003, m0004, m0005];

/** The schema version this code writes; a database with a higher PRAGMA user_version is refused. */
export const SCHEMA_VERSION = MIGRATIONS.length;
