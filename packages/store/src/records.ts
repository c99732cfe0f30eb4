/** Records kept by a Store. Times are epoch milliseconds; ids are strings. Masks are unsigned 32-bit. */

export interface UserRecord {
  id: string;
  name: string; // unique, lowercase
  passwordHash: string; // argon2id PHC string
  siteRights: number;
  disabled: boolean;
  totpSecret: string | null; // set once TOTP is confirmed
  totpPendingSecret: string | null; // set during enrolment, before confirmation
  backupCodeHashes: string[]; // SHA-256 hex of each unused backup code
  createdAt: number;
  lastLoginAt: number | null;
}

export interface UserGroupRecord {
  id: string;
  name: string;
  description: string;
  createdAt: number;
}

export interface DeviceGroupRecord {
  id: string; // 96 hex: 48 random bytes
  name: string;
  description: string;
  createdAt: number;
}

export interface DeviceRecord {
  id: string; // 96 hex: SHA-384 of the agent's SubjectPublicKeyInfo DER
  groupId: string;
  name: string;
  tags: string[];
  notes: string;
  os: string | null;
  /** Latest inventory as reported by the agent (untrusted data, validated before storing). */
  info: Record<string, unknown>;
  infoHash: string | null;
  lastSeen: number | null;
  createdAt: number;
}

/** A device without its inventory: what device lists need (`listDeviceSummaries`). */
export type DeviceSummary = Omit<DeviceRecord, 'info' | 'infoHash'>;

/** A link granting rights on a device group to a user or a user group. */
export interface RightsLinkRecord {
  groupId: string;
  subjectId: string;
  subjectKind: 'user' | 'userGroup';
  rights: number;
}

export interface SessionRecord {
  id: string; // SHA-256 hex of the cookie secret; the secret itself is never stored
  userId: string;
  csrfToken: string;
  createdAt: number;
  expiresAt: number;
  lastSeenAt: number;
  ip: string;
  userAgent: string;
}

export interface ApiTokenRecord {
  id: string;
  userId: string;
  name: string;
  secretHash: string; // SHA-256 hex of the bearer secret
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
}

export interface EventRecord {
  id: string;
  time: number;
  type: string;
  message: string;
  actorId: string | null;
  deviceId: string | null;
  groupId: string | null;
  data: Record<string, unknown>;
  /** Ids (user, user group, device group, or '*' for site admins only) allowed to see the event. */
  visibleTo: string[];
  expiresAt: number;
}

export interface TimelineRecord {
  deviceId: string;
  time: number;
  state: 'online' | 'offline' | 'sleep' | 'poweroff' | 'reboot';
  detail: string;
}

export interface EnrolmentTokenRecord {
  id: string;
  groupId: string;
  secretHash: string;
  createdAt: number;
  createdBy: string | null;
  expiresAt: number | null;
  maxUses: number | null;
  uses: number;
}

/**
 * A removed device whose agent may not enrol again (with the same key) until an administrator
 * deletes this record. Name and group are what they were at removal; the group may be gone since.
 */
export interface DeviceRevocationRecord {
  deviceId: string;
  name: string;
  groupId: string;
  revokedAt: number;
  revokedBy: string | null;
}

/** Which worker process/node holds a device's control connection right now. */
export interface PresenceRecord {
  deviceId: string;
  workerId: string;
  connectionId: string;
  connectedAt: number;
  remoteAddress: string;
}

/** A WebAuthn credential (passkey) of a user. */
export interface PasskeyRecord {
  id: string;
  userId: string;
  credentialId: string; // base64url, unique across users
  publicKey: Uint8Array; // COSE public key as the authenticator gave it
  counter: number; // signature counter last seen (0 = the authenticator keeps none)
  transports: string[];
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}

/** A one-time WebAuthn challenge: consumed by the ceremony's finish, or expired. */
export interface AuthChallengeRecord {
  id: string;
  purpose: 'register' | 'login';
  userId: string | null; // the registering user; null for a (username-less) login
  challenge: string; // base64url
  expiresAt: number;
}

/** A device's installed software, as its agent last reported it (kept apart from the device row). */
export interface DeviceSoftwareRecord {
  deviceId: string;
  source: 'dpkg' | 'rpm' | 'none';
  packages: Array<{ name: string; version: string }>;
  /** SHA-256 hex of the report, as the agent computed it (compared on every connect). */
  hash: string;
  updatedAt: number;
}

/** Whether a device group's agents update themselves (2026-12-08). A group with no setting is `all`. */
export type AgentUpdatePolicy = 'off' | 'all' | 'canary';

/** One device's agent self-update: the version it runs and where its latest update stands. */
export interface AgentUpdateRecord {
  deviceId: string;
  /** The agent version the device last connected with (or reported `updated` to). */
  version: string | null;
  /** The package platform it runs on (linux-x64, …); null when no package is built for it. */
  platform: string | null;
  /** The version of the latest offer or status; null when none was ever offered. */
  target: string | null;
  /** `offered`, or the state of the latest updateStatus; null when none was ever offered. */
  state: string | null;
  /** Why, for `failed` and `rolled-back`. */
  error: string | null;
  /** When the row last changed. */
  at: number;
}

/** How an update to one version ended on one device: decides canary release and re-offers. */
export interface AgentUpdateOutcomeRecord {
  deviceId: string;
  version: string;
  outcome: 'updated' | 'failed' | 'rolled-back';
  error: string | null;
  at: number;
}
