/**
 * Sentences for the errors the account and admin pages meet, keyed by the stable error codes of
 * @meshwork/protocol (errors.ts). Unknown codes fall back to the server's own message.
 */
import { ERROR_CODES } from '@meshwork/protocol';
import { errorCode, errorText } from './api.js';

const WORDS: Record<string, string> = {
  bad_credentials: 'Wrong user name or password.',
  mfa_required: 'Enter the code from your authenticator app, or one of your backup codes.',
  bad_mfa_code: 'That code is wrong or was already used. Codes change every 30 seconds; try the current one.',
  too_many_attempts: 'Too many failed logins from your network. This address is locked out for a while; try again later.',
  throttled: 'Too many failed logins from your network. This address is locked out for a while; try again later.',
  rate_limited: 'Too many requests; wait a moment and try again.',
  login_delayed: 'Too many failed logins for this account. Wait a little (the wait grows with each failure, at most 5 minutes), then try again.',
  reauth_required: 'For this change, confirm it’s you first: enter your password under “Confirm it’s you”, then try again.',
  session_required: 'This needs a login in the browser; an API token cannot do it.',
  session_expired: 'Your session has expired. Please log in again.',
  unauthenticated: 'You are not logged in (or your session ended). Please log in again.',
  account_disabled: 'This account is disabled. Ask an administrator to enable it.',
  setup_done: 'This server is already set up. Log in with the administrator account instead.',
  setup_token_invalid: 'This setup link is invalid or has already been used. Start the server again to print a new link, or log in if the administrator already exists.',
  csrf_failed: 'Your session is out of date. Reload the page and try again.',
  forbidden: 'You do not have the right to do this.',
  not_found: 'It no longer exists, or you are not allowed to see it.',
  network_error: 'The server cannot be reached. Check your connection and try again.',
  unavailable: 'The server is busy or this feature is not available right now.',
};

/**
 * The text to show for a failed call. When the server said something more specific than the
 * catalogue's default message for the code ("The current password is wrong."), that wins.
 */
export function problemText(e: unknown): string {
  const code = errorCode(e);
  const message = errorText(e);
  const generic = code !== null && code in ERROR_CODES ? ERROR_CODES[code as keyof typeof ERROR_CODES].message : null;
  if (generic !== null && message !== generic) return message;
  return (code && WORDS[code]) ?? message;
}

/** Words for a session problem code (from useSession().problem), or null when there is nothing to say. */
export function sessionProblemText(code: string | null): string | null {
  if (!code || code === 'unauthenticated' || code === 'network_error') return null;
  return WORDS[code] ?? null;
}

/** Errors from the browser's WebAuthn prompt (cancelled, timed out, not supported) as a sentence. */
export function passkeyProblemText(e: unknown): string {
  if (e instanceof Error && (e.name === 'NotAllowedError' || e.name === 'AbortError')) {
    return 'The passkey prompt was cancelled or timed out.';
  }
  if (e instanceof Error && e.name === 'InvalidStateError') return 'This authenticator is already registered to your account.';
  if (e instanceof Error && e.name === 'NotSupportedError') return 'This browser or device does not support passkeys.';
  return problemText(e);
}
