/** Handlers: devices (placeholder until implemented). */
import { ApiError } from '../../errors.js';
import type { AreaHandlers } from '../handler.js';

const todo = async (): Promise<never> => {
  throw new ApiError('internal', 'not implemented');
};

export const devicesHandlers: AreaHandlers<'devices.list' | 'devices.get' | 'devices.update' | 'devices.delete'> = {
  'devices.list': todo,
  'devices.get': todo,
  'devices.update': todo,
  'devices.delete': todo,
};
