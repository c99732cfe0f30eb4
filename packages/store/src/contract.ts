/**
 * The shared contract suite every Store adapter must pass (TEST SUPPORT: imports node:test).
 *
 * The cases live in ./testing/contract/, one file per area. Call it from an adapter's test file:
 *   runStoreContract('sqlite', async () => { const store = await open(); return { store, cleanup } });
 * `open` is called before every test and must return an empty store; `cleanup` closes and removes it.
 *
 * Semantics pinned down here, beyond the ones written in store.ts:
 * - A record with `expiresAt <= now` is expired (deleted by deleteExpired*, refused by consume).
 * - `since` bounds are inclusive; `before` bounds (listEvents, delete*Before) are exclusive.
 * - Writing a record that refers to a missing parent (device → device group, session/API token →
 *   user, rights link → device group and its user/user-group subject, membership → user group and
 *   user, enrolment token → device group, timeline → device, passkey and auth challenge → user)
 *   throws StoreError('not_found').
 * - Unique keys: every id; user name; device group name; API token and enrolment token secretHash;
 *   passkey credentialId.
 * - upsertDevice keeps the stored createdAt of an existing device; addUserGroupMember is idempotent.
 * - Deleting a device deletes its timeline. Events are an audit log: no delete cascades into them.
 * - Order: listEvents newest first; listTimeline oldest first; listUsers, listUserGroups,
 *   listDeviceGroups and listDevices by name, ASCII case-insensitively. Other lists: no defined order.
 * - An empty id list (groupIds, visibleTo, subjectIds, deviceIds, ids) matches nothing.
 * - touchSession / touchApiToken on a missing id do nothing and do not throw.
 */
import { afterEach, beforeEach, describe } from 'node:test';
import type { Store } from './store.js';
import type { ContractContext } from './testing/contract/context.js';
import { settingsCases } from './testing/contract/settings.js';
import { userCases } from './testing/contract/users.js';
import { userGroupCases } from './testing/contract/user-groups.js';
import { deviceGroupCases } from './testing/contract/device-groups.js';
import { rightsLinkCases } from './testing/contract/rights-links.js';
import { deviceCases } from './testing/contract/devices.js';
import { devicesVersionCases } from './testing/contract/devices-version.js';
import { sessionCases } from './testing/contract/sessions.js';
import { apiTokenCases } from './testing/contract/api-tokens.js';
import { loginFailureCases } from './testing/contract/login-failures.js';
import { eventCases } from './testing/contract/events.js';
import { timelineCases } from './testing/contract/timeline.js';
import { enrolmentCases } from './testing/contract/enrolment.js';
import { presenceCases } from './testing/contract/presence.js';
import { cascadeCases } from './testing/contract/cascades.js';
import { deviceSoftwareCases } from './testing/contract/device-software.js';
import { writeCases } from './testing/contract/writes.js';
import { passkeyCases } from './testing/contract/passkeys.js';
import { revocationCases } from './testing/contract/revocations.js';
import { secondFactorCases } from './testing/contract/second-factor.js';
import { agentUpdateCases } from './testing/contract/agent-updates.js';

export interface OpenedStore {
  store: Store;
  cleanup(): Promise<void>;
}

export function runStoreContract(name: string, open: () => Promise<OpenedStore>): void {
  describe(`Store contract: ${name}`, () => {
    let current: OpenedStore | null = null;
    beforeEach(async () => {
      current = await open();
    });
    afterEach(async () => {
      const opened = current;
      current = null;
      await opened?.cleanup();
    });
    const ctx: ContractContext = {
      get store(): Store {
        if (!current) throw new Error('contract: no store is open');
        return current.store;
      },
    };
    for (const cases of [
      settingsCases, userCases, userGroupCases, deviceGroupCases, rightsLinkCases, deviceCases, devicesVersionCases,
      sessionCases, apiTokenCases, loginFailureCases, eventCases, timelineCases, enrolmentCases,
      presenceCases, cascadeCases, deviceSoftwareCases, writeCases, passkeyCases, revocationCases, secondFactorCases, agentUpdateCases,
    ]) {
      cases(ctx);
    }
  });
}
