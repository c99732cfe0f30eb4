/**
 * The small file operations: list, mkdir, rename, delete. Policy on symlinks (docs/design.md §9):
 * listing uses lstat (a link is shown as a link, with its target, never followed); mkdir, rename
 * and delete act on the final path component itself (a link is renamed or removed, not what it
 * points to); recursive delete never descends through links. The agent acts with its own OS
 * permissions; the right to use files at all is the server's `files` capability, re-checked by
 * the agent.
 */
import { constants } from 'node:fs';
import { lstat, mkdir, opendir, readlink, rename, rm, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { FILES_PAGE, type FileEntry } from '@meshwork/protocol/relay/index';
import { asFileError, checkPath, FileOpError } from './errors.js';

function typeOf(mode: number): FileEntry['type'] {
  const t = mode & constants.S_IFMT;
  if (t === constants.S_IFREG) return 'file';
  if (t === constants.S_IFDIR) return 'dir';
  if (t === constants.S_IFLNK) return 'symlink';
  return 'other';
}

async function entry(dir: string, name: string): Promise<FileEntry | null> {
  const p = join(dir, name);
  try {
    const st = await lstat(p);
    const type = typeOf(st.mode);
    const e: FileEntry = { name, type, size: st.size, mtime: Math.trunc(st.mtimeMs), mode: st.mode & 0o7777 };
    if (type === 'symlink') e.target = (await readlink(p)).slice(0, 4096);
    return e;
  } catch {
    return null; // removed while listing
  }
}

/** Lists a directory (or describes one non-directory path), in pages of FILES_PAGE entries. */
export async function* list(raw: string): AsyncGenerator<FileEntry[]> {
  const path = checkPath(raw);
  let st;
  try {
    st = await lstat(path);
  } catch (e) {
    throw asFileError(e, path);
  }
  if (!st.isDirectory()) {
    const slash = path.lastIndexOf('/');
    const one = await entry(path.slice(0, slash) || '/', path.slice(slash + 1));
    if (one) yield [one];
    return;
  }
  let dir;
  try {
    dir = await opendir(path, { bufferSize: 64 });
  } catch (e) {
    throw asFileError(e, path);
  }
  let page: FileEntry[] = [];
  for await (const d of dir) {
    const e = await entry(path, d.name);
    if (!e) continue;
    page.push(e);
    if (page.length >= FILES_PAGE) {
      yield page;
      page = [];
    }
  }
  yield page;
}

export async function makeDir(raw: string): Promise<void> {
  const path = checkPath(raw);
  try {
    await mkdir(path);
  } catch (e) {
    throw asFileError(e, path);
  }
}

/** Renames `from` to `to`; refuses when `to` exists (checked first — not atomic against other local writers). */
export async function renamePath(rawFrom: string, rawTo: string): Promise<void> {
  const from = checkPath(rawFrom);
  const to = checkPath(rawTo);
  if (from === '/' || to === '/') throw new FileOpError('bad_path', 'the root directory cannot be renamed');
  if (to.startsWith(`${from}/`)) throw new FileOpError('bad_path', 'a directory cannot move into itself');
  try {
    await lstat(to);
    throw new FileOpError('exists', `${to} already exists`);
  } catch (e) {
    if (e instanceof FileOpError) throw e;
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw asFileError(e, to);
  }
  try {
    await rename(from, to);
  } catch (e) {
    throw asFileError(e, from);
  }
}

/** Deletes a file, link or empty directory; a non-empty directory only with `recursive`. */
export async function remove(raw: string, recursive: boolean): Promise<void> {
  const path = checkPath(raw);
  if (path === '/') throw new FileOpError('bad_path', 'the root directory cannot be deleted');
  try {
    const st = await lstat(path);
    if (!st.isDirectory()) await unlink(path);
    else if (recursive) await rm(path, { recursive: true, force: false });
    else await rmdir(path);
  } catch (e) {
    throw asFileError(e, path);
  }
}
