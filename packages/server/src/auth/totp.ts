/**
 * Second factor: TOTP (RFC 6238, otplib `authenticator`, 30 s steps, ±1 step accepted) and
 * one-time backup codes (stored as SHA-256). A TOTP code is accepted once: the last used step of
 * each user is kept (setting `totp.lastStep.<userId>`) and codes at or before it are refused.
 * Checks for one user are serialised in this process so a backup code cannot be spent twice.
 */
import { randomBytes } from 'node:crypto';
import type { UserRecord } from '@meshwork/store';
import type { System } from '../system.js';
import { safeEqual, sha256Hex } from './secrets.js';

type Authenticator = typeof import('otplib').authenticator;
let auth: Promise<Authenticator> | undefined;
const STEP = 30;

async function authenticator(): Promise<Authenticator> {
  auth ??= import('otplib').then((m) => m.authenticator.clone({ step: STEP, window: 1, digits: 6 }));
  return auth;
}

export const lastStepKey = (userId: string): string => `totp.lastStep.${userId}`;

export async function newTotpSecret(accountName: string): Promise<{ secret: string; otpauthUrl: string }> {
  const a = await authenticator();
  const secret = a.encode(randomBytes(20).toString('hex'));
  return { secret, otpauthUrl: a.keyuri(accountName, 'Meshwork', secret) };
}

const locks = new Map<string, Promise<unknown>>();
/** Runs `fn` after any other second-factor check of the same user in this process. */
export async function withUserLock<T>(userId: string, fn: () => Promise<T>): Promise<T> {
  const prev = locks.get(userId) ?? Promise.resolve();
  const run = prev.then(fn, fn);
  const tail = run.catch(() => undefined);
  locks.set(userId, tail);
  try {
    return await run;
  } finally {
    if (locks.get(userId) === tail) locks.delete(userId);
  }
}

/**
 * Checks a TOTP code against `secret` and, when it is valid and newer than the last one used,
 * records its step. Returns false for a wrong or replayed code.
 */
export async function useTotpCode(sys: System, userId: string, secret: string, code: string): Promise<boolean> {
  const a = await authenticator();
  let delta: number | null;
  try {
    delta = a.checkDelta(code, secret);
  } catch {
    return false;
  }
  if (delta === null) return false;
  const step = Math.floor(sys.now() / 1000 / STEP) + delta;
  const last = await sys.store.getSetting<number>(lastStepKey(userId));
  if (typeof last === 'number' && step <= last) return false;
  await sys.store.setSetting(lastStepKey(userId), step);
  return true;
}

/** Ten fresh backup codes (`xxxxx-xxxxx`, 50 bits each) and their hashes. */
export function newBackupCodes(): { codes: string[]; hashes: string[] } {
  const codes = Array.from({ length: 10 }, () => {
    const h = randomBytes(7).toString('hex').slice(0, 10);
    return `${h.slice(0, 5)}-${h.slice(5)}`;
  });
  return { codes, hashes: codes.map((c) => sha256Hex(normaliseBackupCode(c))) };
}

const normaliseBackupCode = (c: string): string => c.toLowerCase().replace(/[^0-9a-f]/g, '');

/** Spends a backup code: true (and the code removed from the user) when it was one of theirs. */
export async function useBackupCode(sys: System, user: UserRecord, code: string): Promise<boolean> {
  const h = sha256Hex(normaliseBackupCode(code));
  const fresh = await sys.store.getUser(user.id);
  if (!fresh) return false;
  let hit = -1;
  fresh.backupCodeHashes.forEach((stored, i) => {
    if (safeEqual(stored, h)) hit = i;
  });
  if (hit < 0) return false;
  await sys.store.updateUser(user.id, { backupCodeHashes: fresh.backupCodeHashes.filter((_, i) => i !== hit) });
  return true;
}
