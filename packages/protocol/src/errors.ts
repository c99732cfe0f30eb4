/**
 * The catalogue of stable error codes carried on the wire as `{ code, message }`.
 * Codes are never renamed; add new ones at the end. docs/errors.md is generated from this table.
 */
export const ERROR_CODES = {
  bad_request: { status: 400, message: 'The request is malformed.' },
  validation_failed: { status: 400, message: 'The request does not match its schema.' },
  unauthenticated: { status: 401, message: 'Log in first.' },
  bad_credentials: { status: 401, message: 'Wrong user name or password.' },
  mfa_required: { status: 401, message: 'A second factor (TOTP or backup code) is required.' },
  bad_mfa_code: { status: 401, message: 'The second-factor code is wrong.' },
  session_expired: { status: 401, message: 'The session has expired; log in again.' },
  account_disabled: { status: 403, message: 'This account is disabled.' },
  csrf_failed: { status: 403, message: 'Missing or wrong CSRF token.' },
  origin_rejected: { status: 403, message: 'Cross-origin request refused.' },
  forbidden: { status: 403, message: 'Not allowed.' },
  not_found: { status: 404, message: 'Not found.' },
  conflict: { status: 409, message: 'Conflicts with an existing record.' },
  setup_done: { status: 409, message: 'The server is already set up.' },
  setup_token_invalid: { status: 403, message: 'The setup link is invalid or already used.' },
  payload_too_large: { status: 413, message: 'The request body is too large.' },
  unsupported_media_type: { status: 415, message: 'Send application/json.' },
  too_many_attempts: { status: 429, message: 'Too many failed logins from this network; try again later.' },
  rate_limited: { status: 429, message: 'Too many requests; slow down.' },
  internal: { status: 500, message: 'Internal error.' },
  unavailable: { status: 503, message: 'The server is busy or shutting down.' },
  token_invalid: { status: 401, message: 'The API token is unknown, revoked or malformed.' },
  token_expired: { status: 401, message: 'The API token has expired.' },
  headers_too_large: { status: 431, message: 'The request headers are too large.' },
  device_offline: { status: 409, message: 'The device is not connected.' },
  not_supported: { status: 409, message: 'The agent on this device does not support this.' },
  passkey_challenge_invalid: { status: 400, message: 'The passkey request expired or was already used; start again.' },
  passkey_unknown: { status: 401, message: 'This passkey is not registered on this server.' },
  passkey_rejected: { status: 401, message: 'The passkey response could not be verified.' },
  login_delayed: { status: 429, message: 'Too many failed logins for this account; wait before trying again (Retry-After).' },
  session_required: { status: 403, message: 'This needs a login session; an API token cannot do it.' },
  reauth_required: { status: 403, message: 'Confirm it is you: log in again, then retry.' },
  agent_package_changed: { status: 503, message: 'The agent package file on the server does not match the hash recorded at start; it is not served until it does (rebuild it, or restart the server after a rebuild).' },
  link_invalid: { status: 403, message: 'The download link is invalid or has expired.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorBody {
  code: ErrorCode;
  message: string;
}
