/**
 * Login throttling, per network and per account. Every login attempt — password, passkey, or a
 * password re-check in a session — first reserves a place in the store (one atomic step shared
 * by every worker process) and only then checks the secret; the reservation counts as a failure
 * until the attempt turns out to succeed and releases it. So a parallel burst is counted before
 * any password is evaluated.
 *
 * - Network (IPv4 /24, IPv6 /64): after `loginMaxFailures` failures within `loginWindowMs`,
 *   attempts from that network are refused (`too_many_attempts`) until failures age out.
 * - Account (the name tried, known or not, so both look alike): the first ACCOUNT_FREE_FAILURES
 *   failures within the window cost nothing; after that each next attempt must wait a delay that
 *   doubles per failure, capped at ACCOUNT_MAX_DELAY_MS, from the latest failure. Earlier attempts
 *   are refused (`login_delayed`, Retry-After) without evaluating the password. Never a hard lock:
 *   the real user with the right password gets in once the delay has passed, and a successful
 *   login clears the account's failures.
 */
import type { LoginAttemptCount } from '@meshwork/store';
import { ApiError } from '../errors.js';
import type { System } from '../system.js';
import { AUTH_EVENTS, audit } from './audit.js';
import { networkKey } from './network.js';

export const ACCOUNT_FREE_FAILURES = 5;
const ACCOUNT_FIRST_DELAY_MS = 2_000;
export const ACCOUNT_MAX_DELAY_MS = 5 * 60_000;

export const accountKey = (name: string): string => `acct:${name.toLowerCase().slice(0, 64)}`;

/** How long after its latest failure an account with `failures` recent failures must wait. */
export function accountDelayMs(failures: number): number {
  if (failures < ACCOUNT_FREE_FAILURES) return 0;
  return Math.min(ACCOUNT_MAX_DELAY_MS, ACCOUNT_FIRST_DELAY_MS * 2 ** (failures - ACCOUNT_FREE_FAILURES));
}

type Refusal = { kind: 'network' } | { kind: 'account'; waitMs: number };

/** A reserved login attempt: succeed, release (it was no guess, e.g. "second factor needed") or fail it. */
export interface LoginAttempt {
  /** The user proved who they are: the attempt and the account's earlier failures no longer count. */
  succeed(): Promise<void>;
  release(): Promise<void>;
  fail(reason: string, userId: string | null, name: string): Promise<void>;
}

/**
 * Reserves one attempt for `ip` and, when given, the account `name`; throws too_many_attempts or
 * login_delayed (with Retry-After) when the limits say no — before any secret is looked at.
 */
export async function beginLoginAttempt(sys: System, ip: string, name: string | null): Promise<LoginAttempt> {
  const net = networkKey(ip);
  const keys = name === null ? [net] : [net, accountKey(name)];
  const now = sys.now();
  let seen: readonly LoginAttemptCount[] = [];
  const r = await sys.store.reserveLoginAttempt<Refusal>(keys, now - sys.config.loginWindowMs, now, (s) => {
    seen = s;
    if ((s[0]?.count ?? 0) >= sys.config.loginMaxFailures) return { kind: 'network' };
    const acct = s[1];
    const wait = acct?.last != null ? acct.last + accountDelayMs(acct.count) - now : 0;
    return wait > 0 ? { kind: 'account', waitMs: wait } : null;
  });
  if ('refused' in r) {
    if (r.refused.kind === 'network') {
      sys.metrics.inc('meshwork_logins_total', { result: 'locked_out' });
      throw new ApiError('too_many_attempts');
    }
    sys.metrics.inc('meshwork_logins_total', { result: 'delayed' });
    throw new ApiError('login_delayed').retryAfter(r.refused.waitMs);
  }
  const netFailures = (seen[0]?.count ?? 0) + 1;
  const acctFailures = (seen[1]?.count ?? 0) + 1;
  const release = (): Promise<void> => sys.store.releaseLoginAttempts(r.ids);
  return {
    release,
    succeed: async () => {
      await release();
      if (name !== null) await sys.store.clearLoginFailures(accountKey(name));
    },
    fail: async (reason, userId, tried) => {
      await recordFailure(sys, ip, reason, userId, tried);
      if (netFailures === sys.config.loginMaxFailures) await networkLockedOut(sys, net, netFailures);
      if (name !== null && acctFailures === ACCOUNT_FREE_FAILURES) await accountDelayed(sys, name, userId, acctFailures);
    },
  };
}

/** For steps that check no secret (a passkey challenge): refuses a network over its limit, reserves nothing. */
export async function assertNotLockedOut(sys: System, ip: string): Promise<void> {
  const n = await sys.store.countLoginFailures(networkKey(ip), sys.now() - sys.config.loginWindowMs);
  if (n >= sys.config.loginMaxFailures) {
    sys.metrics.inc('meshwork_logins_total', { result: 'locked_out' });
    throw new ApiError('too_many_attempts');
  }
}

async function recordFailure(sys: System, ip: string, reason: string, userId: string | null, name: string): Promise<void> {
  sys.metrics.inc('meshwork_logins_total', { result: reason });
  await audit(sys, {
    type: AUTH_EVENTS.loginFailed,
    message: `Failed login for "${name.slice(0, 64)}" from ${ip} (${reason})`,
    actorId: userId,
    data: { name: name.slice(0, 64), ip, reason },
    visibleTo: ['*'],
  });
}

/** Once per episode: the failure that reaches the network limit. */
async function networkLockedOut(sys: System, key: string, failures: number): Promise<void> {
  const network = key.replace(/^v[46]:/, '');
  sys.log.warn({ network: key, failures }, 'login lockout');
  await audit(sys, {
    type: AUTH_EVENTS.lockout,
    message: `Logins from ${network} refused after ${failures} failures`,
    data: { network, failures, windowMs: sys.config.loginWindowMs },
    visibleTo: ['*'],
  });
}

/** Once per episode: the failure after which the account's attempts start to wait. */
async function accountDelayed(sys: System, name: string, userId: string | null, failures: number): Promise<void> {
  const shown = name.slice(0, 64);
  sys.log.warn({ account: shown, failures }, 'login attempts for an account delayed');
  await audit(sys, {
    type: AUTH_EVENTS.accountDelayed,
    message: `Logins for "${shown}" slowed down after ${failures} failures (growing delay, at most ${ACCOUNT_MAX_DELAY_MS / 60_000} min)`,
    actorId: userId,
    data: { name: shown, failures, windowMs: sys.config.loginWindowMs, maxDelayMs: ACCOUNT_MAX_DELAY_MS },
    visibleTo: userId === null ? ['*'] : [userId, '*'],
  });
}
