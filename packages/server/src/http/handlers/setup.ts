/** Handlers: setup (placeholder until implemented). */
import { ApiError } from '../../errors.js';
import type { AreaHandlers } from '../handler.js';

const todo = async (): Promise<never> => {
  throw new ApiError('internal', 'not implemented');
};

export const setupHandlers: AreaHandlers<'setup.createAdmin'> = {
  'setup.createAdmin': todo,
};
