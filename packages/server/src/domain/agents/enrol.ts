/**
 * Which device an authenticated agent is, and in which group — enrolling it if it is new.
 *
 *   known device            admitted by its key alone; nothing in `info` is read (the server's
 *                           stored group wins over whatever the install file says)
 *   revoked device          removed by an administrator: `revoked` until an administrator lifts
 *                           the revocation, whatever it presents
 *   unknown + token         `mwe_<id>_<secret>` looked up by hash and consumed atomically
 *                           (store.consumeEnrolmentToken); enrols into the token's group. A token
 *                           that is malformed, unknown, expired or used up is `bad_enrolment_token`
 *                           — nothing else in the frame is tried then.
 *   unknown + key           the group's current enrolment key (domain/enrolment/keys.ts): enrols
 *                           into that group; an old (rotated) or removed key is `not_enrolled`
 *   otherwise               `not_enrolled` — `info.groupId` is a plain identifier and enrols nothing
 */
import type { AgentInfo, AgentRefusalCode } from '@meshwork/protocol';
import type { DeviceGroupRecord, DeviceRecord } from '@meshwork/store';
import type { System } from '../../system.js';
import { enrolmentTokenId, hashEnrolmentToken } from '../enrolment/tokens.js';
import { AGENT_EVENT_TYPES, deviceEvent, publishEvent } from './events.js';
import { directWrites, type WriteFn } from './group-commit.js';
import { deviceNameFrom } from './names.js';

export type EnrolledVia = { via: 'token'; tokenId: string } | { via: 'key' };

export type Admission =
  | { ok: true; device: DeviceRecord; enrolled: EnrolledVia | null }
  | { ok: false; code: Extract<AgentRefusalCode, 'not_enrolled' | 'bad_enrolment_token' | 'revoked'>; message: string };

const badToken = (message: string): Admission => ({ ok: false, code: 'bad_enrolment_token', message });

/**
 * Admissions of one device id run one after the other within this process, so two sockets of one
 * new device cannot both enrol it (or the second be refused because the first used the token).
 */
const queues = new WeakMap<System['store'], Map<string, Promise<unknown>>>();

export async function admitDevice(sys: System, deviceId: string, info: AgentInfo | undefined, write: WriteFn = directWrites(sys.store)): Promise<Admission> {
  let perDevice = queues.get(sys.store);
  if (!perDevice) queues.set(sys.store, (perDevice = new Map()));
  const queue = perDevice;
  const run = (queue.get(deviceId) ?? Promise.resolve()).then(
    () => admitOnce(sys, deviceId, info, write),
    () => admitOnce(sys, deviceId, info, write),
  );
  queue.set(deviceId, run);
  try {
    return await run;
  } finally {
    if (queue.get(deviceId) === run) queue.delete(deviceId);
  }
}

async function admitOnce(sys: System, deviceId: string, info: AgentInfo | undefined, write: WriteFn): Promise<Admission> {
  const known = await sys.store.getDevice(deviceId);
  if (known) return { ok: true, device: known, enrolled: null };
  if (await sys.store.getDeviceRevocation(deviceId)) {
    return { ok: false, code: 'revoked', message: 'This device was removed from the server. An administrator must lift its revocation before it can enrol again.' };
  }

  const token = info?.enrolmentToken;
  if (token !== undefined) {
    const id = enrolmentTokenId(token);
    const record = id === null ? null : await sys.store.getEnrolmentTokenBySecretHash(hashEnrolmentToken(token));
    if (!record || record.id !== id) return badToken('The enrolment token is not one this server issued (or it was revoked).');
    if (!(await sys.store.consumeEnrolmentToken(record.id, sys.now()))) return badToken('The enrolment token has expired or has been used up.');
    const group = await sys.store.getDeviceGroup(record.groupId);
    if (!group) return badToken('The device group of this enrolment token no longer exists.');
    return enrol(sys, write, deviceId, info, group, { via: 'token', tokenId: record.id });
  }

  const key = info?.enrolmentKey;
  if (key !== undefined) {
    const groupId = await sys.store.getGroupIdByEnrolmentKey(key);
    const group = groupId === null ? null : await sys.store.getDeviceGroup(groupId);
    if (group) return enrol(sys, write, deviceId, info, group, { via: 'key' });
    return {
      ok: false,
      code: 'not_enrolled',
      message: 'This device is not enrolled, and the enrolment key of its install file is not current (rotated, removed, or its group deleted). Install a current install file.',
    };
  }
  return {
    ok: false,
    code: 'not_enrolled',
    message: 'This device is not enrolled and presented neither an enrolment key nor an enrolment token (a group id alone does not enrol). Install a current install file.',
  };
}

async function enrol(sys: System, write: WriteFn, deviceId: string, info: AgentInfo | undefined, group: DeviceGroupRecord, via: EnrolledVia): Promise<Admission> {
  const now = sys.now();
  const device: DeviceRecord = {
    id: deviceId,
    groupId: group.id,
    name: deviceNameFrom(info?.hostname, deviceId),
    tags: [],
    notes: '',
    os: null,
    info: {},
    infoHash: null,
    lastSeen: now,
    createdAt: now,
  };
  const event = deviceEvent(sys, {
    type: AGENT_EVENT_TYPES.deviceEnrolled,
    message: `Device ${device.name} enrolled in device group ${group.name}`,
    deviceId,
    groupId: group.id,
    data: via.via === 'token' ? { via: 'token', tokenId: via.tokenId } : { via: 'key' },
  });
  // The device row and its event in one commit (batched with other handshakes by the endpoint).
  const [stored, logged] = await write([{ kind: 'upsertDevice', device }, { kind: 'addEvent', event, requires: 0 }]);
  if (stored?.status === 'failed') throw stored.error; // e.g. the group was removed meanwhile
  if (logged?.status === 'ok') await publishEvent(sys, event);
  return { ok: true, device, enrolled: via };
}
