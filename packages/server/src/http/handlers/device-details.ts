/** Handlers: a device's inventory, installed software and connection timeline. */
import { ApiError } from '../../errors.js';
import type { AreaHandlers } from '../handler.js';

type Names = 'devices.inventory' | 'devices.software' | 'devices.timeline';

const notYet = (): never => {
  throw new ApiError('unavailable', 'Not available yet.');
};

export const deviceDetailsHandlers: AreaHandlers<Names> = {
  'devices.inventory': async () => notYet(),
  'devices.software': async () => notYet(),
  'devices.timeline': async () => notYet(),
};
