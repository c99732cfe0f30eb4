/** Handlers: relay sessions (terminal, files, tcp) to devices. The logic is in domain/relay/open.ts. */
import { openRelaySession } from '../../domain/relay/open.js';
import { must, type AreaHandlers } from '../handler.js';

export const sessionsHandlers: AreaHandlers<'devices.openSession'> = {
  async 'devices.openSession'({ sys, principal, params, body }) {
    return openRelaySession(sys, must(principal), params.id, body);
  },
};
