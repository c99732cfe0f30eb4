/** Handlers: users (placeholder until implemented). */
import { ApiError } from '../../errors.js';
import type { AreaHandlers } from '../handler.js';

const todo = async (): Promise<never> => {
  throw new ApiError('internal', 'not implemented');
};

export const usersHandlers: AreaHandlers<'users.list' | 'users.create' | 'users.get' | 'users.update' | 'users.setPassword' | 'users.delete'> = {
  'users.list': todo,
  'users.create': todo,
  'users.get': todo,
  'users.update': todo,
  'users.setPassword': todo,
  'users.delete': todo,
};
