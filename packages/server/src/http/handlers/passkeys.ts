/**
 * Handlers: passkeys (WebAuthn) — registration on the own account and username-less login. Adding
 * or removing a passkey needs a recent login session, never an API token (auth/fresh.ts).
 */
import { AUTH_EVENTS, audit } from '../../auth/audit.js';
import { requireRecentLogin } from '../../auth/fresh.js';
import { assertRealAccount } from '../../authz/accounts.js';
import { assertNotLocked } from '../../authz/site.js';
import { beginLogin, beginRegistration, checkPasskeyLogin, finishRegistration, relyingParty } from '../../auth/passkeys.js';
import { sha256Hex } from '../../auth/secrets.js';
import { SESSION_COOKIE, startSession } from '../../auth/sessions.js';
import { passkeyView, sessionView } from '../../auth/views.js';
import { notFound } from '../../errors.js';
import { must, type AreaHandlers } from '../handler.js';

type Names = 'auth.passkeyBegin' | 'auth.passkeyFinish' | 'account.passkeys' | 'account.passkeyRegisterBegin' | 'account.passkeyRegisterFinish' | 'account.passkeyDelete';

export const passkeysHandlers: AreaHandlers<Names> = {
  'auth.passkeyBegin': async ({ sys, origin, host, ip }) => beginLogin(sys, relyingParty(sys, origin, host), ip),

  'auth.passkeyFinish': async ({ sys, body, origin, host, ip, userAgent, reply, cookies }) => {
    const user = await checkPasskeyLogin(sys, relyingParty(sys, origin, host), body, ip);
    // As with password login: a session cookie the browser still holds is replaced, never reused.
    const old = cookies[SESSION_COOKIE];
    if (old !== undefined) await sys.store.deleteSession(sha256Hex(old));
    return sessionView(user, await startSession(sys, user, ip, userAgent, reply));
  },

  'account.passkeys': async ({ sys, principal }) => {
    const p = must(principal);
    return (await sys.store.listPasskeysOfUser(p.user.id)).map(passkeyView);
  },

  'account.passkeyRegisterBegin': async ({ sys, principal, origin, host }) => {
    const p = must(principal);
    assertRealAccount(p);
    assertNotLocked(p);
    requireRecentLogin(sys, p);
    return beginRegistration(sys, p.user, relyingParty(sys, origin, host));
  },

  'account.passkeyRegisterFinish': async ({ sys, principal, body, origin, host }) => {
    const p = must(principal);
    assertRealAccount(p);
    assertNotLocked(p);
    requireRecentLogin(sys, p);
    return passkeyView(await finishRegistration(sys, p.user, { origin, host }, body));
  },

  'account.passkeyDelete': async ({ sys, principal, params }) => {
    const p = must(principal);
    assertRealAccount(p);
    assertNotLocked(p);
    requireRecentLogin(sys, p);
    const mine = (await sys.store.listPasskeysOfUser(p.user.id)).find((k) => k.id === params.id);
    // Another user's passkey is answered exactly like a missing one.
    if (!mine || !(await sys.store.deletePasskeyOfUser(mine.id, p.user.id))) throw notFound();
    await audit(sys, {
      type: AUTH_EVENTS.passkeyDeleted, message: `${p.user.name} removed passkey "${mine.name}"`, actorId: p.user.id,
      data: { passkeyId: mine.id, name: mine.name }, visibleTo: ['*'],
    });
    return { ok: true };
  },
};
