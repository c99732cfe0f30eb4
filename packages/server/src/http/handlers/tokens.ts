/** Handlers: tokens (placeholder until implemented). */
import { ApiError } from '../../errors.js';
import type { AreaHandlers } from '../handler.js';

const todo = async (): Promise<never> => {
  throw new ApiError('internal', 'not implemented');
};

export const tokensHandlers: AreaHandlers<'tokens.list' | 'tokens.create' | 'tokens.revoke'> = {
  'tokens.list': todo,
  'tokens.create': todo,
  'tokens.revoke': todo,
};
