/**
 * The Store interface. Every adapter (SQLite, PostgreSQL) implements it and passes the shared
 * contract suite in ./contract.ts. All methods are async so network-backed adapters fit.
 *
 * Semantics every adapter must keep:
 * - `create*` of an existing unique key throws StoreError('conflict').
 * - `get*` returns null when missing; `update*`/`delete*` return false when nothing matched.
 * - Deleting a device group deletes its devices, rights links, enrolment tokens, enrolment key and
 *   timelines, agent update policy (not the revocations of its devices).
 * - Deleting a user deletes its sessions, API tokens, rights links and user-group memberships,
 *   passkeys and auth challenges.
 * - A committed write survives a crash of the process (kill -9) once the promise resolved.
 */
import type {
  ApiTokenRecord, AuthChallengeRecord, DeviceGroupRecord, DeviceRecord, DeviceRevocationRecord, EnrolmentTokenRecord, EventRecord, PasskeyRecord, PresenceRecord,
  RightsLinkRecord, SessionRecord, TimelineRecord, UserGroupRecord, UserRecord,
} from './records.js';
import type { DeviceSoftwareRecord, DeviceSummary } from './records.js';
import type { AgentUpdateOutcomeRecord, AgentUpdatePolicy, AgentUpdateRecord } from './records.js';
import type { StoreWrite, StoreWriteResult } from './writes.js';

export type StoreErrorCode = 'conflict' | 'not_found' | 'invalid' | 'unavailable';

export class StoreError extends Error {
  constructor(readonly code: StoreErrorCode, message: string) {
    super(message);
    this.name = 'StoreError';
  }
}

export interface EventQuery {
  /** Only events whose visibleTo contains one of these ids; omit for all (site admin). */
  visibleTo?: string[];
  deviceId?: string;
  groupId?: string;
  type?: string;
  before?: number; // time, exclusive
  limit: number;
}

export interface DeviceQuery {
  groupIds?: string[]; // restrict to these groups
  tag?: string;
  /** Case-insensitive substring of name. */
  text?: string;
  limit?: number;
}

/** What reserveLoginAttempt saw under one key: the attempts counted and the latest one's time. */
export interface LoginAttemptCount {
  key: string;
  count: number;
  last: number | null;
}

export interface Store {
  readonly kind: string;
  close(): Promise<void>;

  // settings: small key → JSON value pairs (server URLs, setup token hash, ...)
  getSetting<T = unknown>(key: string): Promise<T | null>;
  setSetting(key: string, value: unknown): Promise<void>;
  deleteSetting(key: string): Promise<boolean>;

  // users
  createUser(u: UserRecord): Promise<void>;
  getUser(id: string): Promise<UserRecord | null>;
  getUserByName(name: string): Promise<UserRecord | null>;
  listUsers(): Promise<UserRecord[]>;
  countUsers(): Promise<number>;
  updateUser(id: string, patch: Partial<Omit<UserRecord, 'id' | 'createdAt'>>): Promise<boolean>;
  /**
   * Spends one backup code atomically: removes `hash` from the user's backupCodeHashes and returns
   * true when it was there; false (nothing changed) otherwise. Of concurrent calls with one code —
   * in any process — at most one returns true.
   */
  consumeBackupCode(userId: string, hash: string): Promise<boolean>;
  /**
   * Records that the user's TOTP step `step` was used, atomically: true only when it is later than
   * every step recorded before, so a replayed code — or the same code in a concurrent login —
   * returns false.
   */
  useTotpStep(userId: string, step: number): Promise<boolean>;
  /** Forgets the user's used TOTP steps (TOTP turned off or reset). */
  clearTotpSteps(userId: string): Promise<void>;
  deleteUser(id: string): Promise<boolean>;

  // user groups
  createUserGroup(g: UserGroupRecord): Promise<void>;
  getUserGroup(id: string): Promise<UserGroupRecord | null>;
  listUserGroups(): Promise<UserGroupRecord[]>;
  updateUserGroup(id: string, patch: Partial<Pick<UserGroupRecord, 'name' | 'description'>>): Promise<boolean>;
  deleteUserGroup(id: string): Promise<boolean>;
  addUserGroupMember(groupId: string, userId: string): Promise<void>;
  removeUserGroupMember(groupId: string, userId: string): Promise<boolean>;
  listUserGroupMembers(groupId: string): Promise<string[]>;
  listUserGroupsOfUser(userId: string): Promise<string[]>;

  // device groups
  createDeviceGroup(g: DeviceGroupRecord): Promise<void>;
  getDeviceGroup(id: string): Promise<DeviceGroupRecord | null>;
  getDeviceGroupByName(name: string): Promise<DeviceGroupRecord | null>;
  listDeviceGroups(ids?: string[]): Promise<DeviceGroupRecord[]>;
  updateDeviceGroup(id: string, patch: Partial<Pick<DeviceGroupRecord, 'name' | 'description'>>): Promise<boolean>;
  deleteDeviceGroup(id: string): Promise<boolean>;

  // rights links
  setRightsLink(link: RightsLinkRecord): Promise<void>; // upsert on (groupId, subjectId)
  removeRightsLink(groupId: string, subjectId: string): Promise<boolean>;
  listRightsLinksOfGroup(groupId: string): Promise<RightsLinkRecord[]>;
  /** Links whose subject is any of the given ids (a user and the user groups it belongs to). */
  listRightsLinksOfSubjects(subjectIds: string[]): Promise<RightsLinkRecord[]>;

  // devices
  upsertDevice(d: DeviceRecord): Promise<void>;
  getDevice(id: string): Promise<DeviceRecord | null>;
  listDevices(q?: DeviceQuery): Promise<DeviceRecord[]>;
  /** The same list without `info`/`infoHash` (no inventory JSON to read or decode: device lists). */
  listDeviceSummaries(q?: DeviceQuery): Promise<DeviceSummary[]>;
  countDevices(): Promise<number>;
  /**
   * An opaque token that differs after every committed write — by this or any other connection
   * or process — that can change what `listDeviceSummaries` or `listPresence` return (devices,
   * presence, device groups). It may also change on other writes. Read it *before* the lists it
   * stands for, and a cache keyed by it never outlives a change.
   */
  devicesVersion(): Promise<string>;
  updateDevice(id: string, patch: Partial<Omit<DeviceRecord, 'id' | 'createdAt'>>): Promise<boolean>;
  deleteDevice(id: string): Promise<boolean>;

  // sessions
  createSession(s: SessionRecord): Promise<void>;
  getSession(id: string): Promise<SessionRecord | null>;
  touchSession(id: string, lastSeenAt: number, expiresAt: number): Promise<void>;
  deleteSession(id: string): Promise<boolean>;
  deleteSessionsOfUser(userId: string): Promise<number>;
  deleteExpiredSessions(now: number): Promise<number>;

  // API tokens
  createApiToken(t: ApiTokenRecord): Promise<void>;
  getApiToken(id: string): Promise<ApiTokenRecord | null>;
  getApiTokenBySecretHash(secretHash: string): Promise<ApiTokenRecord | null>;
  listApiTokens(userId?: string): Promise<ApiTokenRecord[]>;
  touchApiToken(id: string, lastUsedAt: number): Promise<void>;
  deleteApiToken(id: string): Promise<boolean>;

  // passkeys (WebAuthn credentials) and their one-time challenges
  createPasskey(p: PasskeyRecord): Promise<void>;
  listPasskeysOfUser(userId: string): Promise<PasskeyRecord[]>;
  getPasskeyByCredentialId(credentialId: string): Promise<PasskeyRecord | null>;
  updatePasskeyUsage(id: string, counter: number, lastUsedAt: number): Promise<boolean>;
  /** Deletes the passkey only when it belongs to `userId`; false otherwise. */
  deletePasskeyOfUser(id: string, userId: string): Promise<boolean>;
  deletePasskeysOfUser(userId: string): Promise<number>;
  createAuthChallenge(c: AuthChallengeRecord): Promise<void>;
  /** Atomically deletes the challenge and returns it when it has this purpose and is unexpired; else null. */
  consumeAuthChallenge(id: string, purpose: AuthChallengeRecord['purpose'], now: number): Promise<AuthChallengeRecord | null>;
  deleteExpiredAuthChallenges(now: number): Promise<number>;

  // events
  addEvent(e: EventRecord): Promise<void>;
  listEvents(q: EventQuery): Promise<EventRecord[]>;
  deleteExpiredEvents(now: number): Promise<number>;

  // connection / power timeline
  addTimeline(t: TimelineRecord): Promise<void>;
  listTimeline(deviceId: string, since: number): Promise<TimelineRecord[]>;
  deleteTimelineBefore(time: number): Promise<number>;

  // enrolment tokens
  createEnrolmentToken(t: EnrolmentTokenRecord): Promise<void>;
  getEnrolmentToken(id: string): Promise<EnrolmentTokenRecord | null>;
  getEnrolmentTokenBySecretHash(secretHash: string): Promise<EnrolmentTokenRecord | null>;
  listEnrolmentTokens(groupId: string): Promise<EnrolmentTokenRecord[]>;
  /** Atomically consume one use if not expired and under maxUses; returns false otherwise. */
  consumeEnrolmentToken(id: string, now: number): Promise<boolean>;
  deleteEnrolmentToken(id: string): Promise<boolean>;

  // group enrolment keys: at most one per device group (none: the group enrols by tokens only)
  /** Sets (or replaces) the group's key; not_found when the group is missing, conflict when the key is taken. */
  setGroupEnrolmentKey(groupId: string, key: string, now: number): Promise<void>;
  getGroupEnrolmentKey(groupId: string): Promise<string | null>;
  /** The id of the group whose key this is, or null. */
  getGroupIdByEnrolmentKey(key: string): Promise<string | null>;
  deleteGroupEnrolmentKey(groupId: string): Promise<boolean>;

  // device revocations
  /** In one transaction: deletes the device and records (or replaces) its revocation. False when no such device. */
  revokeDevice(r: DeviceRevocationRecord): Promise<boolean>;
  getDeviceRevocation(deviceId: string): Promise<DeviceRevocationRecord | null>;
  listDeviceRevocations(): Promise<DeviceRevocationRecord[]>;
  deleteDeviceRevocation(deviceId: string): Promise<boolean>;

  // login throttling: failures keyed by network (IPv4 /24, IPv6 /64) or by account name
  addLoginFailure(networkKey: string, time: number): Promise<void>;
  /**
   * One atomic step (across processes): counts the attempts under each key at or after `since`
   * and asks `refuse` (synchronous, no I/O). When it answers null, records one attempt under
   * every key at `time` and returns their ids — the attempt counts as a failure from now on,
   * unless released; otherwise records nothing and returns its answer.
   */
  reserveLoginAttempt<R>(
    keys: readonly string[], since: number, time: number, refuse: (seen: readonly LoginAttemptCount[]) => R | null,
  ): Promise<{ ids: number[] } | { refused: R }>;
  /** Deletes reserved attempts by id (the attempt succeeded, or was not a guess). */
  releaseLoginAttempts(ids: readonly number[]): Promise<void>;
  countLoginFailures(networkKey: string, since: number): Promise<number>;
  clearLoginFailures(networkKey: string): Promise<void>;
  deleteLoginFailuresBefore(time: number): Promise<number>;

  // presence: which worker holds which agent (the seam for multi-process / multi-node)
  setPresence(p: PresenceRecord): Promise<void>; // upsert on deviceId
  getPresence(deviceId: string): Promise<PresenceRecord | null>;
  listPresence(deviceIds?: string[]): Promise<PresenceRecord[]>;
  /** Remove only if the same connection still holds it (a newer connection wins). */
  clearPresence(deviceId: string, connectionId: string): Promise<boolean>;
  clearPresenceOfWorker(workerId: string): Promise<number>;

  // installed software, one row per device (devices.list never loads it)
  /** Replaces the device's software report; a missing device throws StoreError('not_found'). */
  setDeviceSoftware(s: DeviceSoftwareRecord): Promise<void>;
  getDeviceSoftware(deviceId: string): Promise<DeviceSoftwareRecord | null>;
  /** Only the hash of the stored report (what an agent is told on connect), without the packages. */
  getDeviceSoftwareHash(deviceId: string): Promise<string | null>;

  // agent self-update (2026-12-08): group policy, per-device state, outcomes per version
  /** The group's policy; `all` when none was set (or the group is missing). */
  getAgentUpdatePolicy(groupId: string): Promise<AgentUpdatePolicy>;
  /** Sets the group's policy; a missing group throws StoreError('not_found'). Goes with the group. */
  setAgentUpdatePolicy(groupId: string, policy: AgentUpdatePolicy): Promise<void>;
  /** Ids of the groups whose policy is `policy` (`all` lists only groups where it was set explicitly). */
  listGroupsWithAgentUpdatePolicy(policy: AgentUpdatePolicy): Promise<string[]>;
  /** Replaces the device's row; a missing device throws StoreError('not_found'). Goes with the device. */
  setAgentUpdate(r: AgentUpdateRecord): Promise<void>;
  getAgentUpdate(deviceId: string): Promise<AgentUpdateRecord | null>;
  /** Rows of devices in these groups (all rows when omitted). No defined order. */
  listAgentUpdates(groupIds?: string[]): Promise<AgentUpdateRecord[]>;
  /** Records (or replaces) how the update to `version` ended on the device; not_found for a missing device. */
  setAgentUpdateOutcome(o: AgentUpdateOutcomeRecord): Promise<void>;
  listAgentUpdateOutcomes(deviceId: string): Promise<AgentUpdateOutcomeRecord[]>;
  /** Deletes the device's outcomes of these kinds (a retry forgets failures); returns how many. */
  deleteAgentUpdateOutcomes(deviceId: string, outcomes: ReadonlyArray<AgentUpdateOutcomeRecord['outcome']>): Promise<number>;
  /** For the devices now in these groups: how many have each outcome for `version`. */
  countAgentUpdateOutcomes(version: string, groupIds: string[]): Promise<Record<AgentUpdateOutcomeRecord['outcome'], number>>;

  /** Applies the writes in order in one transaction (writes.ts); one result per write. */
  applyWrites(writes: readonly StoreWrite[]): Promise<StoreWriteResult[]>;
}
