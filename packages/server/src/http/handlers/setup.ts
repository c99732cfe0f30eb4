/** Handlers: setup — the first administrator, created with the one-time token printed at first start. */
import { SITE_RIGHTS } from '@meshwork/protocol';
import { StoreError, type UserRecord } from '@meshwork/store';
import { ApiError } from '../../errors.js';
import { newRecordId } from '../../domain/ids.js';
import { AUTH_EVENTS, audit } from '../../auth/audit.js';
import { hashPassword } from '../../auth/passwords.js';
import { startSession } from '../../auth/sessions.js';
import { consumeSetupToken } from '../../auth/setup-token.js';
import { sessionView } from '../../auth/views.js';
import type { AreaHandlers } from '../handler.js';

export const setupHandlers: AreaHandlers<'setup.createAdmin'> = {
  'setup.createAdmin': async ({ sys, body, ip, userAgent, reply }) => {
    if ((await sys.store.countUsers()) > 0) throw new ApiError('setup_done');
    const passwordHash = await hashPassword(body.password);
    if (!(await consumeSetupToken(sys, body.token))) {
      throw new ApiError((await sys.store.countUsers()) > 0 ? 'setup_done' : 'setup_token_invalid');
    }
    const user: UserRecord = {
      id: newRecordId(), name: body.name, passwordHash, siteRights: SITE_RIGHTS.admin, disabled: false,
      totpSecret: null, totpPendingSecret: null, backupCodeHashes: [], createdAt: sys.now(), lastLoginAt: sys.now(),
    };
    try {
      await sys.store.createUser(user);
    } catch (e) {
      if (e instanceof StoreError && e.code === 'conflict') throw new ApiError('setup_done');
      throw e;
    }
    await audit(sys, { type: AUTH_EVENTS.userCreated, message: `Administrator ${user.name} created through the setup link`, actorId: user.id, data: { name: user.name, via: 'setup' }, visibleTo: ['*'] });
    const session = await startSession(sys, user, ip, userAgent, reply);
    return sessionView(user, session);
  },
};
