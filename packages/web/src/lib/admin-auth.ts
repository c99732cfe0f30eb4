/**
 * Login helpers: telling a TOTP from a backup code, and the two passkey (WebAuthn) ceremonies —
 * the server's options go to the browser's authenticator, its answer goes back to the server.
 */
import { startAuthentication, startRegistration, type PublicKeyCredentialCreationOptionsJSON, type PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/browser';
import type { Passkey, SessionInfo } from '@meshwork/protocol';
import { api } from './api.js';

/** A 6-digit code is a TOTP; anything else is sent as a backup code (`xxxxx-xxxxx`). */
export function secondFactor(code: string): { totp: string } | { backupCode: string } {
  const c = code.replace(/\s+/g, '');
  return /^\d{6}$/.test(c) ? { totp: c } : { backupCode: c };
}

type Json = Record<string, unknown>;

export async function passkeyLogin(): Promise<SessionInfo> {
  const { challengeId, options } = await api.auth.passkeyBegin();
  const response = await startAuthentication({ optionsJSON: options as unknown as PublicKeyCredentialRequestOptionsJSON });
  return api.auth.passkeyFinish({ challengeId, response: response as unknown as Json });
}

export async function passkeyRegister(name: string): Promise<Passkey> {
  const { challengeId, options } = await api.account.passkeyRegisterBegin();
  const response = await startRegistration({ optionsJSON: options as unknown as PublicKeyCredentialCreationOptionsJSON });
  return api.account.passkeyRegisterFinish({ challengeId, name, response: response as unknown as Json });
}
