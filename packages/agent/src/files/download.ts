/**
 * Download: the agent streams a regular file in FILES_BLOCK binary frames with at most
 * FILES_WINDOW unacknowledged blocks, then `done {size, sha256}`. Reads follow symlinks (reading
 * is what the agent's OS user could do anyway); the file is opened non-blocking (a FIFO cannot
 * stall it) and must be a regular file (no devices, no FIFOs). Memory: two or three read buffers,
 * reused for the whole file, plus what the socket has not yet written (at most the window).
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { WebSocket } from '../connection/ws.js';
import { FILES_BLOCK, FILES_WINDOW, type FilesDone, type FilesMeta } from '@meshwork/protocol/relay/index';
import { asFileError, checkPath, FileOpError } from './errors.js';

const send = (ws: WebSocket, data: Buffer | string, binary: boolean): Promise<void> =>
  new Promise((resolve, reject) => {
    if (ws.readyState !== WebSocket.OPEN) return reject(new FileOpError('cancelled', 'the relay closed'));
    ws.send(data, { binary }, (err) => (err ? reject(new FileOpError('cancelled', 'the relay closed')) : resolve()));
  });

/** Largest single read, in blocks. */
const READ_BLOCKS = 2;
/** Largest single read, in bytes (bench/relay reads its baselines the same way). */
export const DOWNLOAD_READ_BYTES = READ_BLOCKS * FILES_BLOCK;

export class Download {
  private acked = 0;
  private sent = 0;
  private cancelled = false;
  private wake: (() => void) | null = null;

  constructor(
    private readonly ws: WebSocket,
    readonly id: number,
    private readonly rawPath: string,
    private readonly window = FILES_WINDOW * FILES_BLOCK,
  ) {}

  ack(bytes: number): void {
    if (bytes > this.sent) throw new FileOpError('bad_request', 'acknowledged more bytes than were sent');
    if (bytes > this.acked) this.acked = bytes;
    this.poke();
  }

  cancel(): void {
    this.cancelled = true;
    this.poke();
  }

  private poke(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private async roomInWindow(): Promise<void> {
    while (!this.cancelled && this.sent - this.acked >= this.window) await new Promise<void>((r) => (this.wake = r));
    if (this.cancelled) throw new FileOpError('cancelled', 'download cancelled');
  }

  async run(): Promise<void> {
    const path = checkPath(this.rawPath);
    let fh: FileHandle;
    try {
      fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
    } catch (e) {
      throw asFileError(e, path);
    }
    try {
      const st = await fh.stat();
      if (st.isDirectory()) throw new FileOpError('is_a_directory', `${path} is a directory`);
      if (!st.isFile()) throw new FileOpError('not_regular', `${path} is not a regular file`);
      const meta: FilesMeta = { type: 'meta', id: this.id, size: st.size, mtime: Math.trunc(st.mtimeMs), mode: st.mode & 0o7777 };
      await send(this.ws, JSON.stringify(meta), false);
      const hash = createHash('sha256');
      // Read buffers are reused: a fresh one per read makes V8 collect the agent's whole heap
      // every few dozen MiB (external memory pressure), which cost more than the hashing.
      const pool: Buffer[] = [];
      for (;;) {
        await this.roomInWindow();
        // One read fills as much of the window as is free (up to DOWNLOAD_READ_BYTES): fewer
        // thread-pool round trips; the data goes out in FILES_BLOCK frames.
        const room = Math.min(this.window - (this.sent - this.acked), READ_BLOCKS * FILES_BLOCK);
        const want = Math.max(FILES_BLOCK, room - (room % FILES_BLOCK));
        const buf = pool.pop() ?? Buffer.allocUnsafe(DOWNLOAD_READ_BYTES);
        let n: number;
        try {
          n = (await fh.read(buf, 0, want, null)).bytesRead;
        } catch (e) {
          throw asFileError(e, path);
        }
        if (n === 0) {
          pool.push(buf);
          break;
        }
        const chunk = buf.subarray(0, n);
        hash.update(chunk);
        this.sent += n;
        // The window paces the reads, and so does the socket: when it is slower than the disk the
        // next read waits until this one has been written (as a raw socket writer waits for drain).
        let last: Promise<void> = Promise.resolve();
        for (let off = 0; off < n; off += FILES_BLOCK) {
          last = send(this.ws, chunk.subarray(off, off + FILES_BLOCK), true);
          last.catch(() => this.cancel());
        }
        // Once the last frame is written nothing refers to the buffer: it takes the next read.
        last.then(() => void pool.push(buf), () => undefined);
        if (this.ws.bufferedAmount > 0) await last.catch(() => undefined);
      }
      const done: FilesDone = { type: 'done', id: this.id, size: this.sent, sha256: hash.digest('hex') };
      await send(this.ws, JSON.stringify(done), false);
    } finally {
      await fh.close().catch(() => undefined);
    }
  }
}
