/** Record factories for the contract suite: valid records with overridable fields. */
import type {
  ApiTokenRecord, AuthChallengeRecord, DeviceGroupRecord, DeviceRecord, EnrolmentTokenRecord, EventRecord, PresenceRecord,
  PasskeyRecord, SessionRecord, TimelineRecord, UserGroupRecord, UserRecord,
} from '../../records.js';

export const T0 = 1_700_000_000_000;
let seq = 0;
const next = (): number => ++seq;
/** A 96-hex id, as device and device group ids are. */
export const hex96 = (n: number): string => n.toString(16).padStart(96, '0');

export function aUser(o: Partial<UserRecord> = {}): UserRecord {
  const n = next();
  return {
    id: `user-${n}`, name: `user${n}`, passwordHash: '$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2g',
    siteRights: 0, disabled: false, totpSecret: null, totpPendingSecret: null, backupCodeHashes: [],
    createdAt: T0, lastLoginAt: null, ...o,
  };
}

export function aUserGroup(o: Partial<UserGroupRecord> = {}): UserGroupRecord {
  const n = next();
  return { id: `ugrp-${n}`, name: `team ${n}`, description: '', createdAt: T0, ...o };
}

export function aDeviceGroup(o: Partial<DeviceGroupRecord> = {}): DeviceGroupRecord {
  const n = next();
  return { id: hex96(n), name: `group ${n}`, description: '', createdAt: T0, ...o };
}

export function aDevice(groupId: string, o: Partial<DeviceRecord> = {}): DeviceRecord {
  const n = next();
  return {
    id: hex96(1_000_000 + n), groupId, name: `device-${n}`, tags: [], notes: '', os: null, info: {},
    infoHash: null, lastSeen: null, createdAt: T0, ...o,
  };
}

export function aSession(userId: string, o: Partial<SessionRecord> = {}): SessionRecord {
  const n = next();
  return {
    id: `sess-${n}`, userId, csrfToken: `csrf-${n}`, createdAt: T0, expiresAt: T0 + 3_600_000,
    lastSeenAt: T0, ip: '192.0.2.1', userAgent: 'contract-test', ...o,
  };
}

export function anApiToken(userId: string, o: Partial<ApiTokenRecord> = {}): ApiTokenRecord {
  const n = next();
  return {
    id: `tok-${n}`, userId, name: `token ${n}`, secretHash: `secret-hash-${n}`, createdAt: T0,
    expiresAt: null, lastUsedAt: null, ...o,
  };
}

export function anEvent(o: Partial<EventRecord> = {}): EventRecord {
  const n = next();
  return {
    id: `evt-${n}`, time: T0, type: 'test', message: `event ${n}`, actorId: null, deviceId: null,
    groupId: null, data: {}, visibleTo: [], expiresAt: T0 + 86_400_000, ...o,
  };
}

export function aTimelineEntry(deviceId: string, o: Partial<TimelineRecord> = {}): TimelineRecord {
  return { deviceId, time: T0, state: 'online', detail: '', ...o };
}

export function anEnrolmentToken(groupId: string, o: Partial<EnrolmentTokenRecord> = {}): EnrolmentTokenRecord {
  const n = next();
  return {
    id: `enrol-${n}`, groupId, secretHash: `enrol-hash-${n}`, createdAt: T0, createdBy: null,
    expiresAt: null, maxUses: null, uses: 0, ...o,
  };
}

export function aPresence(deviceId: string, o: Partial<PresenceRecord> = {}): PresenceRecord {
  const n = next();
  return { deviceId, workerId: 'worker-1', connectionId: `conn-${n}`, connectedAt: T0, remoteAddress: '192.0.2.7', ...o };
}

export function aPasskey(userId: string, o: Partial<PasskeyRecord> = {}): PasskeyRecord {
  const n = next();
  return {
    id: `pk-${n}`, userId, credentialId: `cred-${n}-AbC_-`, publicKey: new Uint8Array([0xa5, 1, 2, 3, n & 0xff, 0]),
    counter: 0, transports: ['internal', 'hybrid'], name: `key ${n}`, createdAt: T0, lastUsedAt: null, ...o,
  };
}

export function anAuthChallenge(o: Partial<AuthChallengeRecord> = {}): AuthChallengeRecord {
  const n = next();
  return { id: `chal-${n}`, purpose: 'login', userId: null, challenge: `challenge-${n}`, expiresAt: T0 + 120_000, ...o };
}
