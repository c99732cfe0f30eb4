/**
 * The `current` and `good` symlinks: read as a version name, and replaced atomically (a new link
 * beside the old one, renamed over it, the directory fsynced) so that a crash leaves either the old
 * or the new target, never no link.
 */
import { randomBytes } from 'node:crypto';
import { open, readlink, rename, symlink, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Points `path` at `target` (any existing link is replaced in one rename). */
export async function replaceSymlink(path: string, target: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  await symlink(target, tmp);
  try {
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fsyncDir(dirname(path));
}

/** The version a `current`/`good` link names (`versions/<v>` → `<v>`), or null when there is no such link. */
export async function linkedVersion(path: string): Promise<string | null> {
  let target: string;
  try {
    target = await readlink(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EINVAL') return null;
    throw e;
  }
  const m = /^versions\/([^/]+)\/?$/.exec(target);
  return m?.[1] ?? null;
}

/** The link target for a version (relative, so the layout can move under another root). */
export const versionTarget = (version: string): string => `versions/${version}`;
