/** Handlers: auth (placeholder until implemented). */
import { ApiError } from '../../errors.js';
import type { AreaHandlers } from '../handler.js';

const todo = async (): Promise<never> => {
  throw new ApiError('internal', 'not implemented');
};

export const authHandlers: AreaHandlers<'auth.login' | 'auth.session' | 'auth.logout' | 'auth.logoutAll'> = {
  'auth.login': todo,
  'auth.session': todo,
  'auth.logout': todo,
  'auth.logoutAll': todo,
};
