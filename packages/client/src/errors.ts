/** The one error type the client throws: the server's `{code, message}` or a transport failure. */
import type { ErrorCode } from '@meshwork/protocol';

/** Codes the client produces itself, when there is no usable answer from the server. */
export type ClientErrorCode = 'network_error' | 'bad_response' | 'stream_closed';

/** A server code from the catalogue, a client-side code, or (from a newer server) another string. */
export type ApiClientErrorCode = ErrorCode | ClientErrorCode | (string & {});

export class ApiClientError extends Error {
  /** HTTP status; 0 when no response arrived. */
  readonly status: number;
  readonly code: ApiClientErrorCode;
  readonly details: unknown;

  constructor(status: number, code: ApiClientErrorCode, message: string, details?: unknown, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ApiClientError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** Reads `{code, message, details?}` out of a parsed error body, or null if it is not that shape. */
export function errorFromBody(status: number, body: unknown): ApiClientError | null {
  if (typeof body !== 'object' || body === null) return null;
  const { code, message, details } = body as Record<string, unknown>;
  if (typeof code !== 'string' || typeof message !== 'string') return null;
  return new ApiClientError(status, code, message, details);
}

/** A readable message for something a fetch implementation threw (undici hides the reason in `cause`). */
export function describeThrown(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = e.cause instanceof Error ? e.cause.message : undefined;
  return cause && !e.message.includes(cause) ? `${e.message}: ${cause}` : e.message;
}
