/**
 * The agent's state dir: mode 0700, files 0600, every write atomic (temp file, fsync, rename, fsync
 * dir). `state.json` holds one section per owner; identity owns `identity`, and unknown top-level
 * sections (enrolment, connection) are preserved on every write.
 */
import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { DeviceId } from '@meshwork/protocol/agent/index';

export const STATE_FILE = 'state.json';

export const IdentityState = z.strictObject({
  keyProvider: z.enum(['tpm', 'file']),
  deviceId: DeviceId,
  /** base64 SPKI DER of the identity key. */
  publicKey: z.string().max(256),
  /** The TCTI last used to reach the TPM (tpm provider only). */
  tpm: z.string().max(512).optional(),
  /** The TPM key template version (tpm provider only). */
  tpmTemplate: z.string().max(64).optional(),
  keyGenerations: z.number().int().min(0),
  certGenerations: z.number().int().min(0),
  createdAt: z.string().max(64),
});
export type IdentityState = z.infer<typeof IdentityState>;

export const AgentStateFile = z.looseObject({
  version: z.literal(1),
  identity: IdentityState.optional(),
});
export type AgentStateFile = z.infer<typeof AgentStateFile>;

export class StateFileError extends Error {
  override name = 'StateFileError';
}

export async function ensureStateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Writes `path` atomically with mode 0600. With `exclusive`, fails (EEXIST) instead of replacing an
 * existing file — used for key material, which must never be silently overwritten.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, opts: { exclusive?: boolean } = {}): Promise<void> {
  const tmp = join(dirname(path), `.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    if (opts.exclusive) {
      await link(tmp, path);
      await unlink(tmp);
    } else {
      await rename(tmp, path);
    }
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fsyncDir(dirname(path));
}

export async function readState(dir: string): Promise<AgentStateFile> {
  let text: string;
  try {
    text = await readFile(join(dir, STATE_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1 };
    throw e;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new StateFileError(`${join(dir, STATE_FILE)} is not valid JSON; fix or delete it`);
  }
  const parsed = AgentStateFile.safeParse(json);
  if (!parsed.success) throw new StateFileError(`${join(dir, STATE_FILE)} is malformed: ${parsed.error.issues[0]?.message ?? ''}`);
  return parsed.data;
}

export async function writeState(dir: string, state: AgentStateFile): Promise<void> {
  await writeFileAtomic(join(dir, STATE_FILE), JSON.stringify(state, null, 2) + '\n');
}
