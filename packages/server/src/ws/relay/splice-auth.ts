/**
 * Who may use the workers' splice sockets (splice.ts). Two locks, both needed:
 *
 *   the directory   created fresh by the primary with a random name (mkdtemp, mode 0700) and checked
 *                   with lstat — a real directory, not a link, owned by the server's uid, no access
 *                   for group or others — by the primary after creating it and by every worker
 *                   before it listens; a directory someone else made or opened up is refused
 *   the cluster key 32 random bytes of the primary, given to its workers in their environment (never
 *                   written to disk). Before any other frame, both ends prove they hold it:
 *                     forwarder → owner   challenge  nonceF (32 bytes)
 *                     owner → forwarder   proof      nonceO ‖ HMAC-SHA256(key, "owner" ‖ nonceF ‖ nonceO)
 *                     forwarder → owner   proof      HMAC-SHA256(key, "forwarder" ‖ nonceF ‖ nonceO)
 *                   compared with timingSafeEqual. The forwarder sends nothing of a session (its
 *                   secret, the user, relay bytes) to a listener that failed; the owner reads
 *                   nothing from a connector that failed. Fresh nonces on both sides: no replay,
 *                   and the role label stops a proof from being reflected back.
 *
 * Node cannot read a Unix socket's peer credentials (SO_PEERCRED) without a native addon, so the
 * peer's uid is not checked; the directory keeps other users out and the key keeps out anyone
 * who is not this cluster (a process of another server of the same user, a swapped directory).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { lstatSync } from 'node:fs';

/** What a worker needs to splice: the primary's private directory and the cluster key. */
export interface SpliceConfig {
  dir: string;
  key: Buffer;
}

export const SPLICE_KEY_BYTES = 32;
export const SPLICE_NONCE_BYTES = 32;
const MAC_BYTES = 32;

export const newSpliceKey = (): Buffer => randomBytes(SPLICE_KEY_BYTES);
export const newNonce = (): Buffer => randomBytes(SPLICE_NONCE_BYTES);

type Role = 'owner' | 'forwarder';

export function spliceProof(key: Buffer, role: Role, nonceF: Buffer, nonceO: Buffer): Buffer {
  return createHmac('sha256', key).update(role).update(nonceF).update(nonceO).digest();
}

export function validProof(key: Buffer, role: Role, nonceF: Buffer, nonceO: Buffer, proof: Buffer): boolean {
  return proof.length === MAC_BYTES && timingSafeEqual(spliceProof(key, role, nonceF, nonceO), proof);
}

/** The owner's proof frame payload: its nonce and its MAC. */
export const ownerProof = (key: Buffer, nonceF: Buffer, nonceO: Buffer): Buffer => Buffer.concat([nonceO, spliceProof(key, 'owner', nonceF, nonceO)]);

/** Reads the owner's proof frame; the owner's nonce when the proof holds, else null. */
export function checkOwnerProof(key: Buffer, nonceF: Buffer, payload: Buffer): Buffer | null {
  if (payload.length !== SPLICE_NONCE_BYTES + MAC_BYTES) return null;
  const nonceO = payload.subarray(0, SPLICE_NONCE_BYTES);
  return validProof(key, 'owner', nonceF, nonceO, payload.subarray(SPLICE_NONCE_BYTES)) ? nonceO : null;
}

export class SpliceDirError extends Error {}

/**
 * Throws unless `dir` is a directory (not a link to one) owned by `uid` with no group or other
 * access. `uid` defaults to this process's.
 */
export function assertPrivateDir(dir: string, uid: number = process.getuid?.() ?? -1): void {
  let st;
  try {
    st = lstatSync(dir);
  } catch (e) {
    throw new SpliceDirError(`relay splice directory ${dir}: ${(e as Error).message}`);
  }
  if (st.isSymbolicLink()) throw new SpliceDirError(`relay splice directory ${dir} is a symbolic link`);
  if (!st.isDirectory()) throw new SpliceDirError(`relay splice directory ${dir} is not a directory`);
  if (st.uid !== uid) throw new SpliceDirError(`relay splice directory ${dir} is owned by uid ${st.uid}, not by the server's uid ${uid}`);
  if ((st.mode & 0o077) !== 0) throw new SpliceDirError(`relay splice directory ${dir} is open to other users (mode ${(st.mode & 0o777).toString(8)})`);
}
