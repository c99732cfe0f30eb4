/** File operation errors: a FileErrorCode from the files protocol and a short, safe message. */
import { normalizeRemotePath, type FileErrorCode } from '@meshwork/protocol/relay/index';

export class FileOpError extends Error {
  override name = 'FileOpError';
  constructor(
    readonly code: FileErrorCode,
    message: string,
  ) {
    super(message.slice(0, 500));
  }
}

const ERRNO: Record<string, FileErrorCode> = {
  ENOENT: 'not_found',
  EEXIST: 'exists',
  ENOTDIR: 'not_a_directory',
  EISDIR: 'is_a_directory',
  ENOTEMPTY: 'not_empty',
  EACCES: 'permission_denied',
  EPERM: 'permission_denied',
  EROFS: 'permission_denied',
  ELOOP: 'symlink',
  ENAMETOOLONG: 'bad_path',
  EXDEV: 'bad_request',
  EBUSY: 'io_error',
};

/** Maps anything thrown by node:fs to a FileOpError (the errno name, never a stack). */
export function asFileError(e: unknown, path: string): FileOpError {
  if (e instanceof FileOpError) return e;
  const errno = (e as NodeJS.ErrnoException).code ?? '';
  const code = ERRNO[errno] ?? 'io_error';
  return new FileOpError(code, `${path}: ${errno || 'error'}`);
}

/** The protocol's path rule (absolute, no NUL, no . or ..), as the agent applies it. */
export function checkPath(p: string): string {
  const r = normalizeRemotePath(p);
  if (!r.ok) throw new FileOpError('bad_path', r.message);
  return r.path;
}
