/**
 * The files protocol over a relay: one request at a time, JSON text frames for requests and
 * replies, binary frames for file data (only while a download or an upload runs).
 *
 *   list     {id, path}                     → entries {entries, done} … (pages of ≤ FILES_PAGE)
 *   mkdir    {id, path}                     → ok
 *   rename   {id, from, to}                 → ok          (refuses to replace an existing `to`)
 *   delete   {id, path, recursive}          → ok          (a non-empty directory needs recursive)
 *   download {id, path}                     → meta {size, mtime, mode}, binary blocks…, done {size, sha256}
 *                                             the client acks {id, bytes} as it writes (at least every
 *                                             quarter window); at most FILES_WINDOW blocks of
 *                                             FILES_BLOCK are unacknowledged
 *   upload   {id, path, size, overwrite}    → ready; the client sends binary blocks (same window,
 *                                             acked by the agent after each write), then end {sha256}
 *                                             → saved {size, sha256}  |  error (nothing is left behind)
 *   cancel   {id}                           → error {code: cancelled} for a running transfer
 *
 * Any request may be answered `error {id, code, message}`. Paths are absolute POSIX paths; see
 * normalizeRemotePath. File names are device data: any character but `/` and NUL may appear,
 * so displays must escape control characters.
 */
import { z } from 'zod';
import { RELAY_MAX_FRAME } from './session.js';

/**
 * File data frames: the largest a relay socket takes (RELAY_MAX_FRAME), because every frame costs
 * the same bookkeeping in each of the three processes whatever its size (bench/relay).
 */
export const FILES_BLOCK = RELAY_MAX_FRAME;
/** Blocks in flight (4 MiB): enough to keep a loaded three-process pipeline busy; acks come every quarter window. */
export const FILES_WINDOW = 16;
export const FILES_PAGE = 500;
export const MAX_REMOTE_PATH = 4096;

const Id = z.number().int().min(0).max(2 ** 31);
export const RemotePath = z.string().min(1).max(MAX_REMOTE_PATH);
const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected SHA-256 hex');
const Size = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const FilesList = z.strictObject({ type: z.literal('list'), id: Id, path: RemotePath });
export const FilesMkdir = z.strictObject({ type: z.literal('mkdir'), id: Id, path: RemotePath });
export const FilesRename = z.strictObject({ type: z.literal('rename'), id: Id, from: RemotePath, to: RemotePath });
export const FilesDelete = z.strictObject({ type: z.literal('delete'), id: Id, path: RemotePath, recursive: z.boolean() });
export const FilesDownload = z.strictObject({ type: z.literal('download'), id: Id, path: RemotePath });
export const FilesUpload = z.strictObject({ type: z.literal('upload'), id: Id, path: RemotePath, size: Size, overwrite: z.boolean() });
export const FilesAck = z.strictObject({ type: z.literal('ack'), id: Id, bytes: Size });
export const FilesEnd = z.strictObject({ type: z.literal('end'), id: Id, sha256: Sha256 });
export const FilesCancel = z.strictObject({ type: z.literal('cancel'), id: Id });

/** Client → agent. */
export const FilesRequest = z.discriminatedUnion('type', [FilesList, FilesMkdir, FilesRename, FilesDelete, FilesDownload, FilesUpload, FilesAck, FilesEnd, FilesCancel]);
export type FilesRequest = z.infer<typeof FilesRequest>;

export const FILE_TYPES = ['file', 'dir', 'symlink', 'other'] as const;
export const FileEntry = z.strictObject({
  name: z.string().min(1).max(1024),
  type: z.enum(FILE_TYPES),
  size: Size,
  /** Modification time, epoch ms. */
  mtime: z.number().int(),
  /** Permission bits (e.g. 0o644). */
  mode: z.number().int().min(0).max(0o7777),
  /** Symlinks: where the link points (not followed). */
  target: z.string().max(MAX_REMOTE_PATH).optional(),
});
export type FileEntry = z.infer<typeof FileEntry>;

export const FILE_ERROR_CODES = [
  'bad_request', 'bad_path', 'not_found', 'exists', 'not_a_directory', 'is_a_directory', 'not_empty',
  'permission_denied', 'symlink', 'not_regular', 'size_mismatch', 'hash_mismatch', 'cancelled', 'io_error',
] as const;
export type FileErrorCode = (typeof FILE_ERROR_CODES)[number];

export const FilesOk = z.strictObject({ type: z.literal('ok'), id: Id });
export const FilesEntries = z.strictObject({ type: z.literal('entries'), id: Id, entries: z.array(FileEntry).max(FILES_PAGE), done: z.boolean() });
export const FilesMeta = z.strictObject({ type: z.literal('meta'), id: Id, size: Size, mtime: z.number().int(), mode: z.number().int().min(0).max(0o7777) });
export const FilesDone = z.strictObject({ type: z.literal('done'), id: Id, size: Size, sha256: Sha256 });
export const FilesReady = z.strictObject({ type: z.literal('ready'), id: Id });
export const FilesSaved = z.strictObject({ type: z.literal('saved'), id: Id, size: Size, sha256: Sha256 });
export const FilesError = z.strictObject({ type: z.literal('error'), id: Id, code: z.enum(FILE_ERROR_CODES), message: z.string().max(512) });

/** Agent → client. (`ack` is shared with the request side: the agent acks upload bytes written.) */
export const FilesReply = z.discriminatedUnion('type', [FilesOk, FilesEntries, FilesMeta, FilesDone, FilesReady, FilesAck, FilesSaved, FilesError]);
export type FilesReply = z.infer<typeof FilesReply>;

export type PathCheck = { ok: true; path: string } | { ok: false; message: string };

/**
 * The one path rule, applied by the CLI and again by the agent: an absolute POSIX path without
 * NUL bytes and without `.` or `..` segments (refused, not resolved, so a path never means
 * something other than it says). Repeated and trailing slashes are dropped. Symlinks inside
 * the path are the file system's business; see docs/design.md §9 for the agent's policy.
 */
export function normalizeRemotePath(p: string): PathCheck {
  if (p.length === 0 || p.length > MAX_REMOTE_PATH) return { ok: false, message: `paths are 1 to ${MAX_REMOTE_PATH} characters` };
  if (p.includes('\0')) return { ok: false, message: 'paths may not contain NUL bytes' };
  if (!p.startsWith('/')) return { ok: false, message: 'paths must be absolute (start with /)' };
  const parts = p.split('/').filter((s) => s !== '');
  for (const s of parts) {
    if (s === '.' || s === '..') return { ok: false, message: 'paths may not contain . or .. segments' };
    if (s.length > 255) return { ok: false, message: 'a path segment is longer than 255 characters' };
  }
  return { ok: true, path: `/${parts.join('/')}` };
}

export type FilesOk = z.infer<typeof FilesOk>;
export type FilesEntries = z.infer<typeof FilesEntries>;
export type FilesMeta = z.infer<typeof FilesMeta>;
export type FilesDone = z.infer<typeof FilesDone>;
export type FilesReady = z.infer<typeof FilesReady>;
export type FilesSaved = z.infer<typeof FilesSaved>;
export type FilesError = z.infer<typeof FilesError>;
export type FilesAck = z.infer<typeof FilesAck>;
