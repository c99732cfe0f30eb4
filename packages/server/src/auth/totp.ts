/**
 * Second factor: TOTP (RFC 6238, otplib `authenticator`, 30 s steps, ±1 step accepted) and
 * one-time backup codes (stored as SHA-256). Both are spent by one atomic store operation, so a
 * code works once even when concurrent logins reach different worker processes: a TOTP step only
 * when it is later than every step the user used before (`useTotpStep`), a backup code only by
 * the call that removes it (`consumeBackupCode`).
 */
import { randomBytes } from 'node:crypto';
import type { System } from '../system.js';
import { sha256Hex } from './secrets.js';

type Authenticator = typeof import('otplib').authenticator;
let auth: Promise<Authenticator> | undefined;
const STEP = 30;

async function authenticator(): Promise<Authenticator> {
  auth ??= import('otplib').then((m) => m.authenticator.clone({ step: STEP, window: 1, digits: 6 }));
  return auth;
}

export async function newTotpSecret(accountName: string): Promise<{ secret: string; otpauthUrl: string }> {
  const a = await authenticator();
  const secret = a.encode(randomBytes(20).toString('hex'));
  return { secret, otpauthUrl: a.keyuri(accountName, 'Meshwork', secret) };
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
  return sys.store.useTotpStep(userId, step);
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
export async function useBackupCode(sys: System, userId: string, code: string): Promise<boolean> {
  return sys.store.consumeBackupCode(userId, sha256Hex(normaliseBackupCode(code)));
}
