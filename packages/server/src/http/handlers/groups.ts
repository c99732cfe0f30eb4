/** Handlers: groups (placeholder until implemented). */
import { ApiError } from '../../errors.js';
import type { AreaHandlers } from '../handler.js';

const todo = async (): Promise<never> => {
  throw new ApiError('internal', 'not implemented');
};

export const groupsHandlers: AreaHandlers<'groups.list' | 'groups.create' | 'groups.get' | 'groups.update' | 'groups.delete' | 'groups.setRights' | 'groups.removeRights' | 'groups.installFile' | 'groups.listEnrolmentTokens' | 'groups.createEnrolmentToken' | 'groups.revokeEnrolmentToken'> = {
  'groups.list': todo,
  'groups.create': todo,
  'groups.get': todo,
  'groups.update': todo,
  'groups.delete': todo,
  'groups.setRights': todo,
  'groups.removeRights': todo,
  'groups.installFile': todo,
  'groups.listEnrolmentTokens': todo,
  'groups.createEnrolmentToken': todo,
  'groups.revokeEnrolmentToken': todo,
};
