/** Handlers: server — identity and version, no auth. */
import { PRODUCT_VERSION, PROTOCOL_VERSION } from '@meshwork/protocol';
import { SERVER_URLS_SETTING } from '../../config.js';
import type { AreaHandlers } from '../handler.js';

export const serverHandlers: AreaHandlers<'server.info'> = {
  'server.info': async ({ sys }) => {
    const [users, urls] = await Promise.all([sys.store.countUsers(), sys.store.getSetting<unknown>(SERVER_URLS_SETTING)]);
    return {
      serverId: sys.identity.serverId,
      version: PRODUCT_VERSION,
      protocolVersion: PROTOCOL_VERSION,
      setupRequired: users === 0,
      urls: Array.isArray(urls) ? urls.filter((u): u is string => typeof u === 'string') : [],
    };
  },
};
