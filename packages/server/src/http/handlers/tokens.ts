/**
 * Handlers: API tokens — own tokens; administrators see all and may create them for others.
 * Creating one needs a recent login session or the local CLI: a token never creates tokens, so a
 * leaked token cannot leave a successor behind when it is revoked (auth/fresh.ts).
 */
import { AUTH_EVENTS, audit } from '../../auth/audit.js';
import { newApiToken } from '../../auth/api-tokens.js';
import { requireRecentLogin } from '../../auth/fresh.js';
import { tokenView } from '../../auth/views.js';
import { ApiError, notFound } from '../../errors.js';
import { must, type AreaHandlers } from '../handler.js';

const DAY = 24 * 3600_000;

export const tokensHandlers: AreaHandlers<'tokens.list' | 'tokens.create' | 'tokens.revoke'> = {
  'tokens.list': async ({ sys, principal }) => {
    const p = must(principal);
    const all = sys.authz.isSiteAdmin(p);
    return (await sys.store.listApiTokens(all ? undefined : p.user.id)).map(tokenView);
  },

  'tokens.create': async ({ sys, principal, body }) => {
    const p = must(principal);
    requireRecentLogin(sys, p);
    const userId = body.userId ?? (p.via === 'local' ? null : p.user.id);
    if (userId === null) throw new ApiError('bad_request', 'Name the user the token is for (userId).');
    if (userId !== p.user.id && !sys.authz.isSiteAdmin(p)) throw new ApiError('forbidden', 'Only an administrator can create tokens for other users.');
    const owner = userId === p.user.id ? p.user : await sys.store.getUser(userId);
    if (!owner) throw notFound();
    const now = sys.now();
    const { record, secret } = newApiToken(owner.id, body.name, now, body.expiresInDays ? now + body.expiresInDays * DAY : null);
    await sys.store.createApiToken(record);
    await audit(sys, { type: AUTH_EVENTS.tokenCreated, message: `${p.user.name} created API token "${record.name}" for ${owner.name}`, actorId: p.user.id, data: { tokenId: record.id, userId: owner.id, name: record.name }, visibleTo: [owner.id, '*'] });
    return { token: tokenView(record), secret };
  },

  'tokens.revoke': async ({ sys, principal, params }) => {
    const p = must(principal);
    const t = await sys.store.getApiToken(params.id);
    if (!t || (t.userId !== p.user.id && !sys.authz.isSiteAdmin(p))) throw notFound();
    await sys.store.deleteApiToken(t.id);
    await audit(sys, { type: AUTH_EVENTS.tokenRevoked, message: `${p.user.name} revoked API token "${t.name}"`, actorId: p.user.id, data: { tokenId: t.id, userId: t.userId }, visibleTo: [t.userId, '*'] });
    return { ok: true };
  },
};
