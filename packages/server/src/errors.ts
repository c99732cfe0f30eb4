/**
 * Two-tier errors: an ApiError carries a stable code from the catalogue and a safe public
 * message; anything else thrown is a bug, logged in full and answered as `internal`.
 */
import { ERROR_CODES, type ErrorCode } from '@meshwork/protocol';

export class ApiError extends Error {
  readonly status: number;
  /** Sent as the `Retry-After` header (seconds) when set. */
  retryAfterSeconds: number | undefined;
  constructor(readonly code: ErrorCode, message?: string, readonly details?: unknown) {
    super(message ?? ERROR_CODES[code].message);
    this.name = 'ApiError';
    this.status = ERROR_CODES[code].status;
  }

  /** The same error, telling the client when to try again. */
  retryAfter(ms: number): this {
    this.retryAfterSeconds = Math.max(1, Math.ceil(ms / 1000));
    return this;
  }
}

/** `404` for "not found or not allowed": callers must not learn that a hidden record exists. */
export const notFound = (): ApiError => new ApiError('not_found');
