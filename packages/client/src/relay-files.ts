/**
 * The user end of the files protocol (protocol relay/files.ts) over a relay socket: one request
 * at a time; downloads acknowledge each block after the sink has written it (so a slow disk slows
 * the agent), uploads keep at most FILES_WINDOW blocks unacknowledged. Both ends hash the data
 * with SHA-256 and compare. Runtime-neutral: the caller supplies the hash function (node:crypto
 * in the CLI, a streaming implementation in a browser) and the sink/source.
 */
import { FILES_BLOCK, FILES_WINDOW, FilesReply, type FileEntry, type FileErrorCode, type FilesRequest } from '@meshwork/protocol';
import { ApiClientError } from './errors.js';
import { messageBytes, RelayClosedError, type RelaySocket } from './relay.js';

export interface Hasher {
  update(bytes: Uint8Array): void;
  digestHex(): string;
}

export class FilesError extends ApiClientError {
  constructor(
    readonly fileCode: FileErrorCode,
    message: string,
  ) {
    super(0, fileCode, message);
  }
}

export type Progress = (done: number, total: number) => void;

interface Op {
  id: number;
  reply(r: FilesReply): void;
  data?(bytes: Uint8Array): void;
  fail(e: Error): void;
}

export interface TransferResult {
  size: number;
  sha256: string;
}

export class FilesClient {
  private nextId = 1;
  private op: Op | null = null;
  private closedWith: Error | null = null;

  constructor(
    private readonly socket: RelaySocket,
    private readonly hasher: () => Hasher,
    private readonly window = FILES_WINDOW * FILES_BLOCK,
  ) {
    socket.addEventListener('message', (ev) => this.onMessage(ev.data));
    socket.addEventListener('close', (ev) => {
      this.closedWith = new RelayClosedError(ev.code, ev.reason);
      this.op?.fail(this.closedWith);
      this.op = null;
    });
  }

  close(): void {
    this.socket.close(1000, 'done');
  }

  private onMessage(data: unknown): void {
    const op = this.op;
    if (typeof data === 'string') {
      let json: unknown;
      try {
        json = JSON.parse(data);
      } catch {
        json = undefined;
      }
      const r = FilesReply.safeParse(json);
      if (!r.success) return this.protocolError('the agent sent a frame that is not a files reply');
      if (!op || r.data.id !== op.id) return;
      if (r.data.type === 'error') {
        this.op = null;
        return op.fail(new FilesError(r.data.code, r.data.message));
      }
      return op.reply(r.data);
    }
    const bytes = messageBytes(data);
    if (!bytes || !op?.data) return this.protocolError('unexpected binary data');
    op.data(bytes);
  }

  private protocolError(message: string): void {
    const e = new ApiClientError(0, 'bad_response', message);
    this.op?.fail(e);
    this.op = null;
    this.socket.close(1002, message);
  }

  private send(req: FilesRequest | Uint8Array): void {
    this.socket.send(req instanceof Uint8Array ? req : JSON.stringify(req));
  }

  /** Runs one request; `setup` gets the id and the resolve/reject of the operation. */
  private run<T>(setup: (id: number, resolve: (v: T) => void, reject: (e: Error) => void) => Omit<Op, 'id' | 'fail'>): Promise<T> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    if (this.op) return Promise.reject(new Error('files: one request at a time'));
    return new Promise<T>((resolve, reject) => {
      const id = this.nextId++;
      const done = (v: T): void => {
        if (this.op?.id === id) this.op = null;
        resolve(v);
      };
      const fail = (e: Error): void => {
        if (this.op?.id === id) this.op = null;
        reject(e);
      };
      this.op = { id, fail, ...setup(id, done, fail) };
    });
  }

  private simple(req: (id: number) => FilesRequest): Promise<void> {
    return this.run<void>((id, resolve, reject) => {
      this.send(req(id));
      return { reply: (r) => (r.type === 'ok' ? resolve() : reject(new ApiClientError(0, 'bad_response', `unexpected ${r.type}`))) };
    });
  }

  list(path: string): Promise<FileEntry[]> {
    const entries: FileEntry[] = [];
    return this.run<FileEntry[]>((id, resolve, reject) => {
      this.send({ type: 'list', id, path });
      return {
        reply: (r) => {
          if (r.type !== 'entries') return reject(new ApiClientError(0, 'bad_response', `unexpected ${r.type}`));
          entries.push(...r.entries);
          if (r.done) resolve(entries);
        },
      };
    });
  }

  mkdir(path: string): Promise<void> {
    return this.simple((id) => ({ type: 'mkdir', id, path }));
  }

  rename(from: string, to: string): Promise<void> {
    return this.simple((id) => ({ type: 'rename', id, from, to }));
  }

  remove(path: string, recursive: boolean): Promise<void> {
    return this.simple((id) => ({ type: 'delete', id, path, recursive }));
  }

  /** Streams a remote file into `write`; checks size and SHA-256 at the end. */
  download(path: string, write: (bytes: Uint8Array) => Promise<void>, progress?: Progress): Promise<TransferResult & { mtime: number; mode: number }> {
    const hash = this.hasher();
    let received = 0;
    let lastAck = 0;
    let total = 0;
    let mtime = 0;
    let mode = 0;
    let writing: Promise<void> = Promise.resolve();
    return this.run((id, resolve, reject) => {
      this.send({ type: 'download', id, path });
      return {
        data: (bytes) => {
          hash.update(bytes);
          writing = writing.then(async () => {
            await write(bytes);
            received += bytes.length;
            // Acks every quarter window: the agent never waits while a full window is unacknowledged.
            if (received - lastAck >= this.window / 4 && this.op?.id === id) {
              lastAck = received;
              this.send({ type: 'ack', id, bytes: received });
            }
            progress?.(received, total);
          });
          writing.catch((e: unknown) => {
            if (this.op?.id === id) this.send({ type: 'cancel', id });
            reject(e instanceof Error ? e : new Error(String(e)));
          });
        },
        reply: (r) => {
          if (r.type === 'meta') {
            total = r.size;
            mtime = r.mtime;
            mode = r.mode;
            progress?.(0, total);
            return;
          }
          if (r.type !== 'done') return reject(new ApiClientError(0, 'bad_response', `unexpected ${r.type}`));
          void writing.then(() => {
            const sha256 = hash.digestHex();
            if (received !== r.size) return reject(new FilesError('size_mismatch', `received ${received} of ${r.size} bytes`));
            if (sha256 !== r.sha256) return reject(new FilesError('hash_mismatch', 'the SHA-256 of the received data does not match'));
            resolve({ size: received, sha256, mtime, mode });
          }, () => undefined);
        },
      };
    });
  }

  /** Uploads `size` bytes from `source` to `path` (a temporary file on the device until the hash checks out). */
  upload(path: string, source: AsyncIterable<Uint8Array>, size: number, overwrite: boolean, progress?: Progress): Promise<TransferResult> {
    const hash = this.hasher();
    let sent = 0;
    let acked = 0;
    let wake: (() => void) | null = null;
    let failed: Error | null = null;
    const poke = (): void => {
      const w = wake;
      wake = null;
      w?.();
    };
    return this.run<TransferResult>((id, resolve, reject) => {
      const fail = (e: Error): void => {
        failed ??= e;
        poke();
        reject(e);
      };
      const pump = async (): Promise<void> => {
        for await (const chunk of source) {
          for (let off = 0; off < chunk.length; off += FILES_BLOCK) {
            while (!failed && sent - acked >= this.window) await new Promise<void>((r) => (wake = r));
            if (failed) return;
            const block = chunk.subarray(off, off + FILES_BLOCK);
            hash.update(block);
            this.send(block);
            sent += block.length;
          }
        }
        if (sent !== size) throw new FilesError('size_mismatch', `the local file had ${sent} bytes, not ${size}`);
        this.send({ type: 'end', id, sha256: hash.digestHex() });
      };
      this.send({ type: 'upload', id, path, size, overwrite });
      return {
        reply: (r) => {
          if (r.type === 'ready') {
            progress?.(0, size);
            pump().catch((e: unknown) => {
              if (this.op?.id === id) this.send({ type: 'cancel', id });
              fail(e instanceof Error ? e : new Error(String(e)));
            });
            return;
          }
          if (r.type === 'ack') {
            acked = r.bytes;
            progress?.(acked, size);
            return poke();
          }
          if (r.type === 'saved') return resolve({ size: r.size, sha256: r.sha256 });
          fail(new ApiClientError(0, 'bad_response', `unexpected ${r.type}`));
        },
        fail,
      };
    });
  }
}
