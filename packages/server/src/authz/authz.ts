/**
 * Authorization over the store: resolves a principal's rights from its direct links and its user
 * groups' links, using the one rights definition in @meshwork/protocol.
 * OWNER: domain helper — placeholder until implemented.
 */
import type { Store } from '@meshwork/store';
import type { Authz } from '../system.js';

export function createAuthz(_store: Store): Authz {
  throw new Error('createAuthz: not implemented');
}
