/**
 * Password hashing with argon2id (OWASP's minimum: 19 MiB, 2 passes, 1 lane). The native module
 * is loaded on first use, not at start. Unknown users cost the same as known ones (dummy hash).
 */
import { randomBytes } from 'node:crypto';

type Argon2 = typeof import('argon2');
let argon2: Promise<Argon2> | undefined;
const lib = (): Promise<Argon2> => (argon2 ??= import('argon2'));

export const ARGON2_PARAMS = { memoryCost: 19_456, timeCost: 2, parallelism: 1, hashLength: 32 } as const;

export async function hashPassword(password: string): Promise<string> {
  const a = await lib();
  return a.hash(password, { ...ARGON2_PARAMS, type: a.argon2id });
}

/** Verifies in constant time (argon2 compares digests with a timing-safe compare). */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  const a = await lib();
  try {
    return await a.verify(hash, password);
  } catch {
    return false; // unparseable stored hash: refuse, never throw
  }
}

/** Whether a hash was made with weaker parameters than today's and should be replaced. */
export async function needsRehash(hash: string): Promise<boolean> {
  const a = await lib();
  try {
    return a.needsRehash(hash, { ...ARGON2_PARAMS });
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;
/** Spends one verification's worth of time for a user name that does not exist. */
export async function burnPasswordTime(password: string): Promise<void> {
  dummy ??= hashPassword(randomBytes(16).toString('hex'));
  await verifyPassword(await dummy, password);
}
