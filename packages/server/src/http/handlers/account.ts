/** Handlers: account (placeholder until implemented). */
import { ApiError } from '../../errors.js';
import type { AreaHandlers } from '../handler.js';

const todo = async (): Promise<never> => {
  throw new ApiError('internal', 'not implemented');
};

export const accountHandlers: AreaHandlers<'account.changePassword' | 'account.totpBegin' | 'account.totpEnable' | 'account.totpDisable'> = {
  'account.changePassword': todo,
  'account.totpBegin': todo,
  'account.totpEnable': todo,
  'account.totpDisable': todo,
};
