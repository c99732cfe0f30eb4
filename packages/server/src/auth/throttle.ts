/**
 * Login throttling per network (IPv4 /24, IPv6 /64): after `loginMaxFailures` failures within
 * `loginWindowMs`, logins from that network are refused — even with the right password — until
 * failures age out. Failures live in the store, so every worker process sees the same count.
 */
import { ApiError } from '../errors.js';
import type { System } from '../system.js';
import { AUTH_EVENTS, audit } from './audit.js';
import { networkKey } from './network.js';

/** Throws too_many_attempts when the client's network is locked out. */
export async function assertNotLockedOut(sys: System, ip: string): Promise<void> {
  const n = await sys.store.countLoginFailures(networkKey(ip), sys.now() - sys.config.loginWindowMs);
  if (n >= sys.config.loginMaxFailures) {
    sys.metrics.inc('meshwork_logins_total', { result: 'locked_out' });
    throw new ApiError('too_many_attempts');
  }
}

/** Records a failed attempt; the one that reaches the limit emits an `auth.lockout` event. */
export async function recordLoginFailure(sys: System, ip: string, reason: string, userId: string | null, name: string): Promise<void> {
  const key = networkKey(ip);
  const now = sys.now();
  await sys.store.addLoginFailure(key, now);
  sys.metrics.inc('meshwork_logins_total', { result: reason });
  await audit(sys, {
    type: AUTH_EVENTS.loginFailed,
    message: `Failed login for "${name.slice(0, 64)}" from ${ip} (${reason})`,
    actorId: userId,
    data: { name: name.slice(0, 64), ip, reason },
    visibleTo: ['*'],
  });
  const n = await sys.store.countLoginFailures(key, now - sys.config.loginWindowMs);
  if (n === sys.config.loginMaxFailures) {
    sys.log.warn({ network: key, failures: n }, 'login lockout');
    await audit(sys, {
      type: AUTH_EVENTS.lockout,
      message: `Logins from ${key.replace(/^v[46]:/, '')} refused after ${n} failures`,
      data: { network: key.replace(/^v[46]:/, ''), failures: n, windowMs: sys.config.loginWindowMs },
      visibleTo: ['*'],
    });
  }
}
