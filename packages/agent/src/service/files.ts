/** File writes for the install layout: a copied executable (0755) and a unit file (0644), each atomic. */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, copyFile, mkdir, open, realpath, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fsyncDir } from './links.js';

const tmpBeside = (path: string) => join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);

async function fsyncFile(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function samePath(a: string, b: string): Promise<boolean> {
  try {
    return (await realpath(a)) === (await realpath(b));
  } catch {
    return false;
  }
}

/** Copies `from` to `to` (0755) through a temp file; nothing to do when they are the same file. */
export async function installExecutable(from: string, to: string): Promise<void> {
  await mkdir(dirname(to), { recursive: true, mode: 0o755 });
  await chmod(dirname(to), 0o755);
  if (await samePath(from, to)) return;
  const tmp = tmpBeside(to);
  try {
    await copyFile(from, tmp, constants.COPYFILE_EXCL);
    await chmod(tmp, 0o755);
    await fsyncFile(tmp);
    await rename(tmp, to);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fsyncDir(dirname(to));
}

/** Writes a text file readable by all (a unit file), atomically. */
export async function writePublicFile(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o755 });
  const tmp = tmpBeside(path);
  try {
    await writeFile(tmp, content, { flag: 'wx', mode: 0o644 });
    await chmod(tmp, 0o644);
    await fsyncFile(tmp);
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fsyncDir(dirname(path));
}
