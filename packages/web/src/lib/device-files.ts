/**
 * A files session for the Files tab: the client's FilesClient serves one request at a time, so
 * every operation goes through one queue here; a session that closed (idle, agent restart) is
 * reopened on the next operation. Also: path helpers and the browser ends of transfers.
 */
import { FilesClient } from '@meshwork/client';
import { normalizeRemotePath } from '@meshwork/protocol';
import { openBrowserRelay, sha256Hasher } from './device-relay.js';

export class FilesSession {
  private client: Promise<FilesClient> | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;

  constructor(private readonly deviceId: string) {}

  /** Runs `fn` once every earlier operation has finished. */
  run<T>(fn: (c: FilesClient) => Promise<T>): Promise<T> {
    const next = this.queue.then(async () => fn(await this.connect()));
    this.queue = next.catch(() => undefined);
    return next;
  }

  dispose(): void {
    this.disposed = true;
    void this.client?.then((c) => c.close(), () => undefined);
    this.client = null;
  }

  private connect(): Promise<FilesClient> {
    if (this.disposed) return Promise.reject(new Error('the files session was closed'));
    if (this.client) return this.client;
    const opening = openBrowserRelay(this.deviceId, { protocol: 'files' }).then(({ socket }) => {
      socket.addEventListener('close', () => {
        if (this.client === opening) this.client = null;
      });
      return new FilesClient(socket, sha256Hasher);
    });
    opening.catch(() => {
      if (this.client === opening) this.client = null;
    });
    this.client = opening;
    return opening;
  }
}

/** `dir` + `name` as an absolute path (null when the result is not a valid remote path). */
export function joinPath(dir: string, name: string): string | null {
  if (name.includes('/') || name === '' || name === '.' || name === '..') return null;
  const r = normalizeRemotePath(dir === '/' ? `/${name}` : `${dir}/${name}`);
  return r.ok ? r.path : null;
}

/** `/a/b/c` → [['/', '/'], ['a', '/a'], ['b', '/a/b'], ['c', '/a/b/c']]. */
export function crumbs(path: string): [string, string][] {
  const parts = path.split('/').filter(Boolean);
  return [['/', '/'], ...parts.map((p, i): [string, string] => [p, `/${parts.slice(0, i + 1).join('/')}`])];
}

/** 0o755 → `rwxr-xr-x` (with the type letter first). */
export function modeString(type: string, mode: number): string {
  const t = type === 'dir' ? 'd' : type === 'symlink' ? 'l' : type === 'file' ? '-' : '?';
  let s = '';
  for (let shift = 6; shift >= 0; shift -= 3) {
    const bits = (mode >> shift) & 7;
    s += (bits & 4 ? 'r' : '-') + (bits & 2 ? 'w' : '-') + (bits & 1 ? 'x' : '-');
  }
  return t + s;
}

/** A File as the async byte source `FilesClient.upload` reads. */
export async function* fileChunks(file: Blob): AsyncIterable<Uint8Array> {
  const reader = file.stream().getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/** Hands bytes to the browser as a download named `name`. */
export function saveBytes(chunks: Uint8Array[], name: string): void {
  const url = URL.createObjectURL(new Blob(chunks as BlobPart[], { type: 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
