/**
 * Events that change how an account can be accessed — new API tokens, passkeys, second factors,
 * password changes, throttled logins. The account page lists them; the audit log highlights them.
 */
export const SECURITY_EVENT_TYPES: readonly string[] = [
  'token.created', 'token.revoked', 'account.passkeyRegistered', 'account.passkeyDeleted',
  'account.totpEnabled', 'account.totpDisabled', 'account.passwordChanged', 'user.passwordSet',
  'auth.accountDelayed', 'auth.lockout',
];

export const isSecurityEvent = (type: string): boolean => SECURITY_EVENT_TYPES.includes(type);
