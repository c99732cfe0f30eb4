/**
 * `meshwork files ls|get|put|rm|mv|mkdir DEVICE …`: the files protocol over a relay session (one
 * session per command). Remote paths are checked with the protocol's rule before anything is sent
 * (the agent checks again). Downloads go to LOCAL.part and are renamed once the size and SHA-256
 * match; uploads land on the device only when they match there. Progress on stderr when it is a
 * terminal. File names are device data: control characters are shown escaped in human output (output/printable.ts).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, stat, unlink } from 'node:fs/promises';
import { FilesClient, type Hasher, type Progress } from '@meshwork/client';
import { normalizeRemotePath, type FileEntry } from '@meshwork/protocol';
import { CliError, UsageError } from '../errors.js';
import { table } from '../output/table.js';
import { printable } from '../output/printable.js';
import { control, text } from '../output/streams.js';
import { connectRelay, deviceIdOf } from '../relay.js';
import { flag, pos, type CommandSpec, type Ctx } from '../spec.js';

const sha256: () => Hasher = () => {
  const h = createHash('sha256');
  return { update: (b) => void h.update(b), digestHex: () => h.digest('hex') };
};

function remote(p: string, command: string): string {
  const r = normalizeRemotePath(p);
  if (!r.ok) throw new UsageError(`${JSON.stringify(p)}: ${r.message}`, command);
  return r.path;
}

async function withFiles<T>(ctx: Ctx, deviceKey: string, fn: (f: FilesClient) => Promise<T>): Promise<T> {
  const deviceId = await deviceIdOf(ctx, deviceKey);
  const { socket } = await connectRelay(ctx, deviceId, { protocol: 'files' });
  const files = new FilesClient(socket, sha256);
  socket.resume?.();
  try {
    return await fn(files);
  } finally {
    files.close();
  }
}

const MiB = 1024 * 1024;
function progressBar(label: string): Progress | undefined {
  if (!process.stderr.isTTY) return undefined;
  let last = 0;
  return (done, total) => {
    const now = Date.now();
    if (now - last < 100 && done !== total) return;
    last = now;
    const pct = total > 0 ? Math.floor((done / total) * 100) : 100;
    void control(process.stderr, 'lineStart');
    void text(process.stderr, `${label} ${(done / MiB).toFixed(1)} / ${(total / MiB).toFixed(1)} MiB (${pct}%)${done === total ? '\n' : ''}`);
  };
}

function entryRow(e: FileEntry): string[] {
  const kind = e.type === 'dir' ? 'd' : e.type === 'symlink' ? 'l' : e.type === 'file' ? '-' : '?';
  const name = printable(e.name) + (e.type === 'symlink' && e.target !== undefined ? ` -> ${printable(e.target)}` : '');
  return [`${kind}${e.mode.toString(8).padStart(4, '0')}`, String(e.size), new Date(e.mtime).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z'), name];
}

export const filesCommands: CommandSpec[] = [
  {
    name: 'files ls',
    args: ['DEVICE', 'PATH'],
    summary: 'List a directory on a device (needs --server)',
    options: {},
    async run(ctx, input) {
      const path = remote(pos(input, 1), 'files ls');
      const entries = await withFiles(ctx, pos(input, 0), (f) => f.list(path));
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      ctx.print(entries, () => (entries.length === 0 ? 'empty' : table(['MODE', 'SIZE', 'MODIFIED', 'NAME'], entries.map(entryRow))));
    },
  },
  {
    name: 'files get',
    args: ['DEVICE', 'REMOTE', 'LOCAL'],
    summary: 'Download a file from a device',
    options: {},
    async run(ctx, input) {
      const path = remote(pos(input, 1), 'files get');
      const local = pos(input, 2);
      const part = `${local}.part`;
      const fh = await open(part, 'w', 0o600);
      let result;
      try {
        result = await withFiles(ctx, pos(input, 0), (f) =>
          f.download(path, async (b) => void (await fh.write(b)), progressBar(`get ${printable(path)}`)),
        );
        await fh.close();
        await rename(part, local);
      } catch (e) {
        await fh.close().catch(() => undefined);
        await unlink(part).catch(() => undefined);
        throw e;
      }
      ctx.print(result, () => `${local}: ${result.size} bytes, sha256 ${result.sha256}`);
    },
  },
  {
    name: 'files put',
    args: ['DEVICE', 'LOCAL', 'REMOTE'],
    summary: 'Upload a file to a device (SHA-256 checked; replaces only with --force)',
    options: { force: { type: 'boolean', short: 'f', help: 'replace an existing file' } },
    async run(ctx, input) {
      const local = pos(input, 1);
      const path = remote(pos(input, 2), 'files put');
      let size: number;
      try {
        const st = await stat(local);
        if (!st.isFile()) throw new CliError('not_regular', `${local} is not a regular file`);
        size = st.size;
      } catch (e) {
        if (e instanceof CliError) throw e;
        throw new CliError('not_found', `cannot read ${local}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
      }
      const result = await withFiles(ctx, pos(input, 0), (f) =>
        f.upload(path, createReadStream(local, { highWaterMark: 64 * 1024 }), size, flag(input, 'force'), progressBar(`put ${printable(path)}`)),
      );
      ctx.print(result, () => `${path}: ${result.size} bytes, sha256 ${result.sha256}`);
    },
  },
  {
    name: 'files rm',
    args: ['DEVICE', 'PATH'],
    summary: 'Delete a file, link or empty directory (a whole tree only with --recursive)',
    options: { recursive: { type: 'boolean', short: 'r', help: 'delete a directory and everything in it' } },
    async run(ctx, input) {
      const path = remote(pos(input, 1), 'files rm');
      await withFiles(ctx, pos(input, 0), (f) => f.remove(path, flag(input, 'recursive')));
      ctx.print({ ok: true }, () => `removed ${printable(path)}`);
    },
  },
  {
    name: 'files mv',
    args: ['DEVICE', 'FROM', 'TO'],
    summary: 'Rename or move on a device (never replaces an existing TO)',
    options: {},
    async run(ctx, input) {
      const from = remote(pos(input, 1), 'files mv');
      const to = remote(pos(input, 2), 'files mv');
      await withFiles(ctx, pos(input, 0), (f) => f.rename(from, to));
      ctx.print({ ok: true }, () => `renamed ${printable(from)} to ${printable(to)}`);
    },
  },
  {
    name: 'files mkdir',
    args: ['DEVICE', 'PATH'],
    summary: 'Create a directory on a device (its parent must exist)',
    options: {},
    async run(ctx, input) {
      const path = remote(pos(input, 1), 'files mkdir');
      await withFiles(ctx, pos(input, 0), (f) => f.mkdir(path));
      ctx.print({ ok: true }, () => `created ${printable(path)}`);
    },
  },
];
