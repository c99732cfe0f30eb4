/** Handlers: power actions (`power` right) and Wake-on-LAN (`wake` right) of one device. */
import { powerDevice } from '../../domain/power/power.js';
import { wakeDevice } from '../../domain/power/wake.js';
import { must, type AreaHandlers } from '../handler.js';

export const powerHandlers: AreaHandlers<'devices.power' | 'devices.wake'> = {
  async 'devices.power'({ sys, principal, params, body }) {
    return powerDevice(sys, must(principal), params.id, body.action);
  },

  async 'devices.wake'({ sys, principal, params }) {
    return wakeDevice(sys, must(principal), params.id);
  },
};
