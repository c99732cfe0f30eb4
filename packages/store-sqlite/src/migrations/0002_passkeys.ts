/** 0002: WebAuthn passkeys and one-time authentication challenges. */
import type { Migration } from './index.js';

export const migration: Migration = {
  version: 2,
  name: 'passkeys',
  sql: `
-- credential_id is base64url; public_key the COSE key; transports a JSON array of strings.
CREATE TABLE passkeys (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  credential_id TEXT NOT NULL UNIQUE,
  public_key BLOB NOT NULL,
  counter INTEGER NOT NULL,
  transports TEXT NOT NULL,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER
) STRICT;
CREATE INDEX passkeys_user ON passkeys(user_id);

-- One-time WebAuthn challenges: deleted when consumed (DELETE … RETURNING) or expired.
CREATE TABLE auth_challenges (
  id TEXT PRIMARY KEY,
  purpose TEXT NOT NULL CHECK (purpose IN ('register', 'login')),
  user_id TEXT REFERENCES users(id) ON DELETE CASCADE,
  challenge TEXT NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX auth_challenges_expiry ON auth_challenges(expires_at);
`,
};
