/**
 * Passkeys (WebAuthn, @simplewebauthn/server): registration to the caller's own account and
 * username-less login. The relying party is the request's Origin, which must be one of the
 * server's own (rpID = its host name). Every ceremony has a one-time challenge in the store
 * (2-minute expiry, consumed atomically by its finish, so any worker can finish it). A login
 * needs user verification (PIN, biometrics) and is a full login: it does not ask for TOTP.
 */
import type { AuthenticationResponseJSON, AuthenticatorTransportFuture, RegistrationResponseJSON } from '@simplewebauthn/server';
import { StoreError, type AuthChallengeRecord, type PasskeyRecord, type UserRecord } from '@meshwork/store';
import { z } from 'zod';
import { newRecordId } from '../domain/ids.js';
import { ApiError } from '../errors.js';
import type { System } from '../system.js';
import { AUTH_EVENTS, audit } from './audit.js';
import { isOwnOrigin } from './authenticate.js';
import { assertNotLockedOut, beginLoginAttempt } from './throttle.js';

export const CHALLENGE_TTL_MS = 2 * 60_000;
/** More than anyone needs; bounds what one account can store. */
export const MAX_PASSKEYS_PER_USER = 32;
const RP_NAME = 'Meshwork';
/** ES256, EdDSA, RS256: what platform authenticators and security keys offer. */
const ALGORITHMS = [-7, -8, -257];

type WebAuthn = typeof import('@simplewebauthn/server');
let lib: Promise<WebAuthn> | undefined;
/** Loaded on first use, not at start (like argon2 and otplib). */
const webauthn = (): Promise<WebAuthn> => (lib ??= import('@simplewebauthn/server'));

export interface RelyingParty {
  origin: string;
  rpId: string;
}

/** The relying party of a request: its Origin header, which must be this server's own. */
export function relyingParty(sys: System, origin: string | undefined, host: string | undefined): RelyingParty {
  if (origin === undefined) throw new ApiError('origin_rejected', 'Passkeys need the browser’s Origin header.');
  if (!isOwnOrigin(sys, origin, host)) throw new ApiError('origin_rejected');
  let url: URL;
  try {
    url = new URL(origin.toLowerCase());
  } catch {
    throw new ApiError('origin_rejected'); // a Host header the client made up to match
  }
  return { origin: url.origin, rpId: url.hostname };
}

const TRANSPORTS = new Set<string>(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);
const transports = (p: PasskeyRecord): AuthenticatorTransportFuture[] =>
  p.transports.filter((t): t is AuthenticatorTransportFuture => TRANSPORTS.has(t));

/** The WebAuthn user handle of an account: its (random, opaque) id. */
export const passkeyUserHandle = (userId: string): string => Buffer.from(userId, 'utf8').toString('base64url');

async function newChallenge(sys: System, purpose: AuthChallengeRecord['purpose'], userId: string | null, challenge: string): Promise<string> {
  const id = newRecordId();
  await sys.store.createAuthChallenge({ id, purpose, userId, challenge, expiresAt: sys.now() + CHALLENGE_TTL_MS });
  return id;
}

export async function beginRegistration(sys: System, user: UserRecord, rp: RelyingParty): Promise<{ challengeId: string; options: Record<string, unknown> }> {
  const existing = await sys.store.listPasskeysOfUser(user.id);
  if (existing.length >= MAX_PASSKEYS_PER_USER) throw new ApiError('conflict', `An account holds at most ${MAX_PASSKEYS_PER_USER} passkeys.`);
  const options = await (await webauthn()).generateRegistrationOptions({
    rpName: RP_NAME, rpID: rp.rpId, userName: user.name, userDisplayName: user.name, userID: Buffer.from(user.id, 'utf8'),
    timeout: CHALLENGE_TTL_MS, attestationType: 'none', supportedAlgorithmIDs: ALGORITHMS,
    excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: transports(p) })),
    authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'preferred' },
  });
  return { challengeId: await newChallenge(sys, 'register', user.id, options.challenge), options: { ...options } };
}

/** `site` is the request's Origin and Host; checked after the challenge, which is the caller's own or nothing. */
export async function finishRegistration(
  sys: System, user: UserRecord, site: { origin: string | undefined; host: string | undefined },
  input: { challengeId: string; name: string; response: Record<string, unknown> },
): Promise<PasskeyRecord> {
  const c = await sys.store.consumeAuthChallenge(input.challengeId, 'register', sys.now());
  if (!c || c.userId !== user.id) throw new ApiError('passkey_challenge_invalid');
  const rp = relyingParty(sys, site.origin, site.host);
  let info;
  try {
    const r = await (await webauthn()).verifyRegistrationResponse({
      response: input.response as unknown as RegistrationResponseJSON, expectedChallenge: c.challenge,
      expectedOrigin: rp.origin, expectedRPID: rp.rpId, requireUserVerification: false, supportedAlgorithmIDs: ALGORITHMS,
    });
    info = r.verified ? r.registrationInfo : undefined;
  } catch (err) {
    sys.log.debug({ err, userId: user.id }, 'passkey registration refused');
  }
  if (!info) throw new ApiError('passkey_rejected');
  const now = sys.now();
  const p: PasskeyRecord = {
    id: newRecordId(), userId: user.id, credentialId: info.credential.id, publicKey: info.credential.publicKey,
    counter: info.credential.counter, transports: info.credential.transports ?? [], name: input.name, createdAt: now, lastUsedAt: null,
  };
  try {
    await sys.store.createPasskey(p);
  } catch (e) {
    if (e instanceof StoreError && e.code === 'conflict') throw new ApiError('conflict', 'This passkey is already registered.');
    throw e;
  }
  await audit(sys, {
    type: AUTH_EVENTS.passkeyRegistered, message: `${user.name} registered passkey "${p.name}"`, actorId: user.id,
    data: { passkeyId: p.id, name: p.name }, visibleTo: ['*'],
  });
  return p;
}

export async function beginLogin(sys: System, rp: RelyingParty, ip: string): Promise<{ challengeId: string; options: Record<string, unknown> }> {
  await assertNotLockedOut(sys, ip);
  const options = await (await webauthn()).generateAuthenticationOptions({
    rpID: rp.rpId, allowCredentials: [], userVerification: 'required', timeout: CHALLENGE_TTL_MS,
  });
  return { challengeId: await newChallenge(sys, 'login', null, options.challenge), options: { ...options } };
}

/** What the login reads from the response before the verifier sees it. */
const Assertion = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,1400}$/),
  response: z.object({
    authenticatorData: z.string().regex(/^[A-Za-z0-9_-]{50,4000}$/),
    userHandle: z.string().max(200).optional(),
  }),
});

/** Checks a passkey login; returns the user on success, throws a stable ApiError otherwise. */
export async function checkPasskeyLogin(sys: System, rp: RelyingParty, input: { challengeId: string; response: Record<string, unknown> }, ip: string): Promise<UserRecord> {
  const attempt = await beginLoginAttempt(sys, ip, null);
  const fail = async (code: 'passkey_challenge_invalid' | 'passkey_unknown' | 'passkey_rejected', user: UserRecord | null, message?: string): Promise<never> => {
    await attempt.fail(code, user?.id ?? null, user?.name ?? '(passkey)');
    throw new ApiError(code, message);
  };
  const c = await sys.store.consumeAuthChallenge(input.challengeId, 'login', sys.now());
  if (!c) return fail('passkey_challenge_invalid', null);
  const shape = Assertion.safeParse(input.response);
  if (!shape.success) return fail('passkey_rejected', null);
  const a = shape.data;
  const pk = await sys.store.getPasskeyByCredentialId(a.id);
  const user = pk ? await sys.store.getUser(pk.userId) : null;
  if (!pk || !user) return fail('passkey_unknown', null);
  if (a.response.userHandle !== undefined && a.response.userHandle !== passkeyUserHandle(user.id)) return fail('passkey_rejected', user);
  const counter = Buffer.from(a.response.authenticatorData, 'base64url').readUInt32BE(33);
  if ((counter > 0 || pk.counter > 0) && counter <= pk.counter) {
    return fail('passkey_rejected', user, 'The passkey’s signature counter went backwards: it may have been copied. Ask an administrator.');
  }
  let newCounter: number | undefined;
  try {
    const r = await (await webauthn()).verifyAuthenticationResponse({
      response: input.response as unknown as AuthenticationResponseJSON, expectedChallenge: c.challenge, expectedOrigin: rp.origin,
      expectedRPID: rp.rpId, requireUserVerification: true,
      credential: { id: pk.credentialId, publicKey: new Uint8Array(pk.publicKey), counter: pk.counter, transports: transports(pk) },
    });
    if (r.verified) newCounter = r.authenticationInfo.newCounter;
  } catch (err) {
    sys.log.debug({ err, userId: user.id }, 'passkey login refused');
  }
  if (newCounter === undefined) return fail('passkey_rejected', user);
  await attempt.succeed();
  if (user.disabled) {
    sys.metrics.inc('meshwork_logins_total', { result: 'disabled' });
    throw new ApiError('account_disabled');
  }
  const now = sys.now();
  await sys.store.updatePasskeyUsage(pk.id, newCounter, now);
  await sys.store.updateUser(user.id, { lastLoginAt: now });
  sys.metrics.inc('meshwork_logins_total', { result: 'success' });
  await audit(sys, {
    type: AUTH_EVENTS.login, message: `${user.name} logged in with passkey "${pk.name}" from ${ip}`, actorId: user.id,
    data: { ip, method: 'passkey', passkeyId: pk.id }, visibleTo: ['*'],
  });
  return { ...user, lastLoginAt: now };
}
