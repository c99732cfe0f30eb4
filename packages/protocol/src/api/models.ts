/** Schemas of the records the REST API returns. Types are inferred from the schemas. */
import { z } from 'zod';
import { GROUP_RIGHT_NAMES, SITE_RIGHT_NAMES, type SiteRightName } from '../rights.js';
import { SystemInventory, SoftwarePackage } from '../session/inventory.js';

/** 96 lowercase hex characters: SHA-384 ids (devices, ServerID) and 48-byte group ids. */
export const Hex96 = z.string().regex(/^[0-9a-f]{96}$/, 'expected 96 lowercase hex characters');
/** Opaque record ids issued by the server (users, user groups, tokens, events). */
export const RecordId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'expected a record id');
/** User names: lowercase letters, digits, dot, dash, underscore, 1–64 chars. */
export const UserName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'use lowercase letters, digits, dot, dash or underscore');
export const Password = z.string().min(8, 'at least 8 characters').max(512);
export const DisplayName = z.string().trim().min(1).max(128);

/**
 * Names, labels and text that users set (request bodies only: records the API returns keep plain
 * strings, so data stored before this rule still lists). Refused: C0 controls, DEL, C1 controls,
 * U+2028/U+2029 and bidi embeddings, overrides and isolates (U+202A–E, U+2066–9) — terminal escape
 * sequences and text that reads differently than it is. Multi-line text may hold `\n` and `\t`.
 * The CLI also filters everything it prints (agent-reported strings cannot be refused this way).
 */
const NO_CONTROLS = /^[^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*$/;
const NO_CONTROLS_BUT_LINES = /^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*$/;
const NO_CONTROLS_MESSAGE = 'control characters and bidirectional overrides are not allowed';
/** A one-line name or label set by a user: trimmed, 1–`max` characters, no control characters. */
export const Label = (max: number) => z.string().trim().min(1).max(max).regex(NO_CONTROLS, NO_CONTROLS_MESSAGE);
/** Free text set by a user (descriptions, notes): lines and tabs, no other control characters. */
export const MultilineText = (max: number) => z.string().max(max).regex(NO_CONTROLS_BUT_LINES, NO_CONTROLS_MESSAGE);
/** User group and device group names in requests. */
export const DisplayNameInput = Label(128);
/** The name typed at login: untrimmed (it must match exactly), but without control characters. */
export const LoginName = z.string().min(1).max(64).regex(NO_CONTROLS, NO_CONTROLS_MESSAGE);
export const IsoTime = z.string().max(40);

export const GroupRightNameSchema = z.enum(['full', ...GROUP_RIGHT_NAMES]);
export const SiteRightNameSchema = z.enum(SITE_RIGHT_NAMES as [SiteRightName, ...SiteRightName[]]);

export const ServerInfo = z.object({
  serverId: Hex96,
  version: z.string(),
  protocolVersion: z.number().int(),
  setupRequired: z.boolean(),
  urls: z.array(z.string()),
});

export const User = z.object({
  id: RecordId,
  name: UserName,
  siteRights: z.array(SiteRightNameSchema),
  disabled: z.boolean(),
  totpEnabled: z.boolean(),
  createdAt: IsoTime,
  lastLoginAt: IsoTime.nullable(),
});

export const SessionInfo = z.object({
  user: User,
  csrfToken: z.string(),
  expiresAt: IsoTime,
});

export const UserGroup = z.object({
  id: RecordId,
  name: DisplayName,
  description: z.string().max(1024),
  memberIds: z.array(RecordId),
});

export const RightsLink = z.object({
  subjectId: RecordId,
  subjectKind: z.enum(['user', 'userGroup']),
  subjectName: z.string(),
  rights: z.array(GroupRightNameSchema),
});

export const DeviceGroup = z.object({
  id: Hex96,
  name: DisplayName,
  description: z.string().max(1024),
  createdAt: IsoTime,
  /** The caller's effective rights on this group. */
  myRights: z.array(GroupRightNameSchema),
  links: z.array(RightsLink),
  /** True when the group has no enrolment key: new devices join only with an enrolment token. */
  tokensOnly: z.boolean(),
  /** Whether its agents update themselves (api/agent-updates.ts); absent from servers before 2026-12-08. */
  agentUpdates: z.enum(['off', 'all', 'canary']).optional(),
});

export const Device = z.object({
  id: Hex96,
  name: z.string().max(256),
  groupId: Hex96,
  online: z.boolean(),
  lastSeen: IsoTime.nullable(),
  tags: z.array(z.string().max(64)).max(64),
  notes: z.string().max(4096),
  os: z.string().max(256).nullable(),
  createdAt: IsoTime,
});

/** The first screen of a device list (devices.listHead): its first devices and how many there are. */
export const DeviceListHead = z.object({
  /** How many devices the whole list (devices.list with the same groupId) holds. */
  total: z.number().int().min(0),
  /** Its first devices by `deviceNameKey` (device-list.ts); equal keys in the order of devices.list. */
  devices: z.array(Device),
});

export const ApiToken = z.object({
  id: RecordId,
  userId: RecordId,
  name: z.string().max(128),
  createdAt: IsoTime,
  expiresAt: IsoTime.nullable(),
  lastUsedAt: IsoTime.nullable(),
});

export const EnrolmentToken = z.object({
  id: RecordId,
  groupId: Hex96,
  createdAt: IsoTime,
  expiresAt: IsoTime.nullable(),
  maxUses: z.number().int().nullable(),
  uses: z.number().int(),
});

/** `mwk_` and 64 lowercase hex characters (32 random bytes): a group's rotatable enrolment key. */
export const EnrolmentKey = z.string().regex(/^mwk_[0-9a-f]{64}$/, 'expected mwk_ and 64 hex characters');

/**
 * What an agent needs to join a group. `groupId` and `groupName` only say which group it is (they
 * enrol nothing); it carries at most one secret that enrols: the group's `enrolmentKey` or an
 * `enrolmentToken` — never both (a token's limits would mean nothing next to the key).
 */
export const InstallFile = z.object({
  serverUrls: z.array(z.string()),
  serverId: Hex96,
  groupId: Hex96,
  groupName: z.string(),
  enrolmentKey: EnrolmentKey.optional(),
  enrolmentToken: z.string().optional(),
});

/** A removed device: it cannot enrol again (same key) until an administrator lifts this. */
export const DeviceRevocation = z.object({
  deviceId: Hex96,
  /** The device's name and group when it was removed (the group may be gone since). */
  name: z.string().max(256),
  groupId: Hex96,
  revokedAt: IsoTime,
  revokedBy: RecordId.nullable(),
});

export const Event = z.object({
  id: RecordId,
  time: IsoTime,
  type: z.string().max(64),
  message: z.string().max(4096),
  actorId: RecordId.nullable(),
  deviceId: Hex96.nullable(),
  groupId: Hex96.nullable(),
  data: z.record(z.string(), z.unknown()),
});

/** A WebAuthn credential (passkey) registered to the caller's account. */
export const Passkey = z.object({
  id: RecordId,
  name: z.string().max(64),
  createdAt: IsoTime,
  lastUsedAt: IsoTime.nullable(),
});

/**
 * WebAuthn JSON options and responses (PublicKeyCredential*OptionsJSON, RegistrationResponseJSON,
 * AuthenticationResponseJSON). Their inner shape is checked by the WebAuthn verifier on the server.
 */
export const WebAuthnJson = z.record(z.string(), z.unknown());

/** A WebAuthn ceremony the server started: the options for the browser and the id of its one-time challenge. */
export const WebAuthnChallenge = z.object({
  challengeId: RecordId,
  options: WebAuthnJson,
});

/** The last system inventory a device reported (null until the first report). */
export const DeviceInventory = z.object({
  deviceId: Hex96,
  system: SystemInventory.nullable(),
  updatedAt: IsoTime.nullable(),
});

/** Installed packages, reported separately and only when they change. */
export const DeviceSoftware = z.object({
  deviceId: Hex96,
  source: z.enum(['dpkg', 'rpm', 'none']),
  packages: z.array(SoftwarePackage),
  updatedAt: IsoTime.nullable(),
});

/** One change of a device's connection state. */
export const TimelineEntry = z.object({
  time: IsoTime,
  state: z.enum(['online', 'offline', 'sleep', 'poweroff', 'reboot']),
  detail: z.string().max(256),
});

export type ServerInfo = z.infer<typeof ServerInfo>;
export type User = z.infer<typeof User>;
export type SessionInfo = z.infer<typeof SessionInfo>;
export type UserGroup = z.infer<typeof UserGroup>;
export type RightsLink = z.infer<typeof RightsLink>;
export type DeviceGroup = z.infer<typeof DeviceGroup>;
export type Device = z.infer<typeof Device>;
export type DeviceListHead = z.infer<typeof DeviceListHead>;
export type ApiToken = z.infer<typeof ApiToken>;
export type EnrolmentToken = z.infer<typeof EnrolmentToken>;
export type InstallFile = z.infer<typeof InstallFile>;
export type DeviceRevocation = z.infer<typeof DeviceRevocation>;
export type Event = z.infer<typeof Event>;
export type Passkey = z.infer<typeof Passkey>;
export type WebAuthnChallenge = z.infer<typeof WebAuthnChallenge>;
export type DeviceInventory = z.infer<typeof DeviceInventory>;
export type DeviceSoftware = z.infer<typeof DeviceSoftware>;
export type TimelineEntry = z.infer<typeof TimelineEntry>;
