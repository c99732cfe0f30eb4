/**
 * Ends relay sessions whose user may no longer use them. The user's credentials (session, API
 * token, account) and the session's capability on the device are checked again
 *
 *   at once   on every event that may take them away — rights, user-group and group changes, a user
 *             changed, disabled or deleted, a token revoked, a logout, a password change
 *             (`changesAudience`, as the browser stream), a device moved or deleted. Events reach
 *             every worker through the bus, so each worker checks the sessions it owns.
 *   and every `everyMs`, for what no event announces (a session or token that simply expired).
 *
 * Checks run as one sweep over the sessions at a time; events during a sweep run one more after it.
 */
import { RELAY_CAPABILITY, RELAY_CLOSE_CODES } from '@meshwork/protocol';
import { EVENTS_CHANNEL, isEventRecord } from '../../bus/channels.js';
import type { RelayRecord } from '../../domain/relay/registry.js';
import { changesAudience, EVENT_TYPES } from '../../domain/events/types.js';
import { ApiError } from '../../errors.js';
import type { Principal, System } from '../../system.js';
import { stillValid } from '../stream-auth.js';

/** A session (paired, or a user end waiting for its device) and how to end it. */
export interface Revocable {
  readonly record: RelayRecord;
  readonly principal: Principal;
  end(code: number, reason: string): void;
}

/** Whether an event may end relay sessions. */
export const mayRevokeRelay = (type: string): boolean =>
  changesAudience(type) || type === EVENT_TYPES.deviceMoved || type === EVENT_TYPES.deviceDeleted;

async function recheck(sys: System, s: Revocable): Promise<void> {
  try {
    const valid = await stillValid(sys, s.principal);
    if (!valid.ok) return s.end(RELAY_CLOSE_CODES.revoked, 'your credentials are no longer valid');
    await sys.authz.requireDevice(valid.principal, s.record.deviceId, RELAY_CAPABILITY[s.record.protocol]);
  } catch (e) {
    if (e instanceof ApiError) return s.end(RELAY_CLOSE_CODES.revoked, 'your rights on this device were revoked');
    sys.log.error({ err: e, relayId: s.record.relayId }, 'relay rights check failed');
  }
}

/** Starts watching; returns the function that stops it. */
export function watchRevocations(sys: System, sessions: () => Iterable<Revocable>, everyMs: number): () => void {
  let sweeping = false;
  let again = false;
  const sweep = async (): Promise<void> => {
    if (sweeping) return void (again = true);
    sweeping = true;
    try {
      do {
        again = false;
        await Promise.all(Array.from(sessions(), (s) => recheck(sys, s)));
      } while (again);
    } finally {
      sweeping = false;
    }
  };
  const unsubscribe = sys.bus.subscribe(EVENTS_CHANNEL, (m) => {
    if (isEventRecord(m) && mayRevokeRelay(m.type)) void sweep();
  });
  const timer = setInterval(() => void sweep(), everyMs);
  timer.unref();
  return () => {
    unsubscribe();
    clearInterval(timer);
  };
}
