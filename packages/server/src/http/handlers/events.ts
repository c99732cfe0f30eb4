/** Handlers: events (placeholder until implemented). */
import { ApiError } from '../../errors.js';
import type { AreaHandlers } from '../handler.js';

const todo = async (): Promise<never> => {
  throw new ApiError('internal', 'not implemented');
};

export const eventsHandlers: AreaHandlers<'events.list'> = {
  'events.list': todo,
};
