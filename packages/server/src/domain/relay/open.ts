/**
 * Opening a relay session: rights for the protocol (the capability from RELAY_CAPABILITY, so 404
 * for an invisible device and 403 for a visible one without the right), the device must be
 * online, then a pending record with two fresh secrets, and `relayOpen` to the agent over its
 * control connection. The agent gets the user's effective rights mask to re-check.
 */
import { DEFAULT_TERM, RELAY_CAPABILITY, RELAY_USER_PATH, type CreateRelaySession, type RelayOptions, type RelaySessionInfo, type ServerRelayOpen } from '@meshwork/protocol';
import { ApiError } from '../../errors.js';
import type { Principal, System } from '../../system.js';
import { notSupportedMessage } from '../agents/capabilities.js';
import { deliverToAgent } from './control.js';

function optionsOf(body: CreateRelaySession): RelayOptions {
  if (body.protocol === 'terminal') return { cols: body.cols ?? 80, rows: body.rows ?? 24, term: body.term ?? DEFAULT_TERM };
  if (body.protocol === 'tcp' && body.host !== undefined && body.port !== undefined) return { host: body.host, port: body.port };
  return {};
}

export async function openRelaySession(sys: System, p: Principal, deviceId: string, body: CreateRelaySession): Promise<RelaySessionInfo> {
  const device = await sys.authz.requireDevice(p, deviceId, RELAY_CAPABILITY[body.protocol]);
  if (!sys.relay.accepting) throw new ApiError('unavailable', 'Relay sessions need a running server.');
  if (!(await sys.store.getPresence(device.id))) throw new ApiError('device_offline');
  const rights = await sys.authz.groupMask(p, device.groupId);
  const options = optionsOf(body);
  const created = sys.relay.create(
    { protocol: body.protocol, deviceId: device.id, deviceName: device.name, groupId: device.groupId, userId: p.user.id, userName: p.user.name, rights, options },
    sys.now(),
  );
  const { record } = created;
  const frame: ServerRelayOpen = {
    type: 'relayOpen', relayId: record.relayId, token: created.token, protocol: record.protocol,
    userId: record.userId, userName: record.userName, rights: rights >>> 0, options,
  };
  const sent = await deliverToAgent(sys, device.id, frame);
  if (sent !== 'sent') {
    sys.relay.remove(record.relayId);
    throw sent === 'offline' ? new ApiError('device_offline') : new ApiError('not_supported', notSupportedMessage(sent.notSupported));
  }
  sys.log.info({ relayId: record.relayId, protocol: record.protocol, deviceId: device.id, userId: p.user.id }, 'relay session created');
  return {
    sessionId: created.sessionId,
    relayId: record.relayId,
    protocol: record.protocol,
    url: `${RELAY_USER_PATH}?session=${created.sessionId}`,
    expiresAt: new Date(record.expiresAt).toISOString(),
  };
}
