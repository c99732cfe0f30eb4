/**
 * Upload: the data goes to a new temporary file in the target directory (`.NAME.HEX.part`, created
 * with O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600), written block by block in order and acknowledged
 * after each write; at `end` the size and the SHA-256 of what was written must match, then the
 * file is synced and put in place: with `overwrite` by rename (which replaces a name, never
 * follows a link at it), otherwise by link(2) + unlink, which fails atomically if the name
 * exists. An existing symlink or directory at the target is refused. The temporary file is
 * removed on cancel, error or a closed relay. Memory: the window (FILES_WINDOW blocks) at most.
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, link, lstat, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { FILES_BLOCK, FILES_WINDOW, type FilesAck } from '@meshwork/protocol/relay/index';
import { asFileError, checkPath, FileOpError } from './errors.js';

export class Upload {
  private fh: FileHandle | null = null;
  private tmp: string | null = null;
  private received = 0;
  private written = 0;
  private chain: Promise<void> = Promise.resolve();
  private failure: FileOpError | null = null;
  private readonly hash = createHash('sha256');
  private mode = 0o644;
  private path = '';
  private lastAck = 0;

  constructor(
    readonly id: number,
    private readonly rawPath: string,
    private readonly size: number,
    private readonly overwrite: boolean,
    private readonly sendAck: (ack: FilesAck) => void,
    private readonly window = FILES_WINDOW * FILES_BLOCK,
  ) {}

  /** Checks the target and creates the temporary file. */
  async start(): Promise<void> {
    const path = checkPath(this.rawPath);
    this.path = path;
    if (path === '/') throw new FileOpError('bad_path', 'cannot upload to /');
    const slash = path.lastIndexOf('/');
    const dir = path.slice(0, slash) || '/';
    const name = path.slice(slash + 1);
    try {
      const st = await lstat(path);
      if (st.isSymbolicLink()) throw new FileOpError('symlink', `${path} is a symbolic link; uploads do not write through links`);
      if (st.isDirectory()) throw new FileOpError('is_a_directory', `${path} is a directory`);
      if (!st.isFile()) throw new FileOpError('not_regular', `${path} is not a regular file`);
      if (!this.overwrite) throw new FileOpError('exists', `${path} already exists`);
      this.mode = st.mode & 0o7777;
    } catch (e) {
      if (e instanceof FileOpError) throw e;
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw asFileError(e, path);
      this.mode = 0o666 & ~process.umask();
    }
    const tmp = `${dir === '/' ? '' : dir}/.${name.slice(0, 200)}.${randomBytes(6).toString('hex')}.part`;
    try {
      this.fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    } catch (e) {
      throw asFileError(e, dir);
    }
    this.tmp = tmp;
  }

  /** One binary block from the client. */
  data(chunk: Buffer): void {
    if (this.failure) return;
    this.received += chunk.length;
    if (this.received > this.size) return this.fail(new FileOpError('size_mismatch', `more than the announced ${this.size} bytes`));
    if (this.received - this.written > this.window) return this.fail(new FileOpError('bad_request', 'the client ignored the upload window'));
    this.hash.update(chunk);
    const fh = this.fh;
    if (!fh) return this.fail(new FileOpError('bad_request', 'data before the upload started'));
    this.chain = this.chain.then(async () => {
      if (this.failure) return;
      try {
        let off = 0;
        while (off < chunk.length) off += (await fh.write(chunk, off, chunk.length - off)).bytesWritten;
      } catch (e) {
        return this.fail(asFileError(e, this.path));
      }
      this.written += chunk.length;
      // Acks every quarter window (and at the end): enough to keep the client's window open.
      if (this.written - this.lastAck >= this.window / 4 || this.written === this.size) {
        this.lastAck = this.written;
        this.sendAck({ type: 'ack', id: this.id, bytes: this.written });
      }
    });
  }

  private fail(e: FileOpError): void {
    this.failure ??= e;
  }

  /** The first failure so far (the session reports it and aborts). */
  get failed(): FileOpError | null {
    return this.failure;
  }

  /** The client sent everything: check, sync, put in place. */
  async end(sha256: string): Promise<{ size: number; sha256: string }> {
    await this.chain;
    if (this.failure) throw this.failure;
    if (this.written !== this.size) throw new FileOpError('size_mismatch', `received ${this.written} of ${this.size} bytes`);
    const digest = this.hash.digest('hex');
    if (digest !== sha256) throw new FileOpError('hash_mismatch', 'the SHA-256 of the received data does not match');
    const fh = this.fh;
    const tmp = this.tmp;
    if (!fh || !tmp) throw new FileOpError('bad_request', 'no upload in progress');
    try {
      await fh.datasync();
      await fh.close();
      this.fh = null;
      await chmod(tmp, this.mode);
      if (this.overwrite) {
        await rename(tmp, this.path);
      } else {
        await link(tmp, this.path);
        await unlink(tmp);
      }
      this.tmp = null;
    } catch (e) {
      throw asFileError(e, this.path);
    }
    return { size: this.written, sha256: digest };
  }

  /** Cancel, error or a closed relay: nothing is left behind. */
  async abort(): Promise<void> {
    this.fail(new FileOpError('cancelled', 'upload cancelled'));
    await this.chain.catch(() => undefined);
    await this.fh?.close().catch(() => undefined);
    this.fh = null;
    if (this.tmp) await unlink(this.tmp).catch(() => undefined);
    this.tmp = null;
  }
}
