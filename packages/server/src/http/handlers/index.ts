/** All endpoint handlers, combined into the one dispatch table the app registers. */
import type { Handlers } from '../handler.js';
import { serverHandlers } from './server.js';
import { setupHandlers } from './setup.js';
import { authHandlers } from './auth.js';
import { accountHandlers } from './account.js';
import { usersHandlers } from './users.js';
import { tokensHandlers } from './tokens.js';
import { userGroupsHandlers } from './userGroups.js';
import { groupsHandlers } from './groups.js';
import { devicesHandlers } from './devices.js';
import { deviceListHandlers } from './device-lists.js';
import { eventsHandlers } from './events.js';
import { runsHandlers } from './runs.js';
import { powerHandlers } from './power.js';
import { sessionsHandlers } from './sessions.js';
import { passkeysHandlers } from './passkeys.js';
import { deviceDetailsHandlers } from './device-details.js';
import { enrolmentHandlers } from './enrolment.js';
import { agentUpdatesHandlers } from './agent-updates.js';
import { agentPackagesHandlers } from './agent-packages.js';

export const handlers: Handlers = {
  ...serverHandlers,
  ...setupHandlers,
  ...authHandlers,
  ...accountHandlers,
  ...usersHandlers,
  ...tokensHandlers,
  ...userGroupsHandlers,
  ...groupsHandlers,
  ...devicesHandlers,
  ...deviceListHandlers,
  ...eventsHandlers,
  ...runsHandlers,
  ...powerHandlers,
  ...sessionsHandlers,
  ...passkeysHandlers,
  ...deviceDetailsHandlers,
  ...enrolmentHandlers,
  ...agentUpdatesHandlers,
  ...agentPackagesHandlers,
};
