/** Handlers: userGroups (placeholder until implemented). */
import { ApiError } from '../../errors.js';
import type { AreaHandlers } from '../handler.js';

const todo = async (): Promise<never> => {
  throw new ApiError('internal', 'not implemented');
};

export const userGroupsHandlers: AreaHandlers<'userGroups.list' | 'userGroups.create' | 'userGroups.update' | 'userGroups.delete' | 'userGroups.addMember' | 'userGroups.removeMember'> = {
  'userGroups.list': todo,
  'userGroups.create': todo,
  'userGroups.update': todo,
  'userGroups.delete': todo,
  'userGroups.addMember': todo,
  'userGroups.removeMember': todo,
};
