/** `meshwork power reboot|shutdown|sleep DEVICE`: a power action through the device's agent (`power` right). */
import { POWER_ACTIONS, type PowerAction } from '@meshwork/protocol';
import { CliError } from '../errors.js';
import { resolveDevice } from '../resolve.js';
import { pos, type CommandSpec } from '../spec.js';
import { printable } from '../output/printable.js';

const HEX96 = /^[0-9a-f]{96}$/;
const SUMMARY: Record<PowerAction, string> = { reboot: 'Reboot a device', shutdown: 'Shut a device down', sleep: 'Suspend a device (sleep)' };
const DOING: Record<PowerAction, string> = { reboot: 'rebooting', shutdown: 'shutting down', sleep: 'suspending' };

export const powerCommands: CommandSpec[] = POWER_ACTIONS.map(
  (action): CommandSpec => ({
    name: `power ${action}`,
    args: ['DEVICE'],
    summary: SUMMARY[action],
    details: 'DEVICE is an id or a name. The agent runs the operating system command and confirms; exit 1 when it reports a failure or does not answer.',
    options: {},
    async run(ctx, input) {
      const key = pos(input, 0);
      const id = HEX96.test(key) ? key : (await resolveDevice(ctx.client, key)).id;
      const r = await ctx.client.devices.power({ id, action });
      ctx.print(r, () => `${DOING[action]} ${printable(key)}: ${r.result === 'ok' ? 'confirmed by the agent' : r.result}${r.message ? ` (${printable(r.message)})` : ''}`);
      if (r.result === 'failed') throw new CliError('power_failed', `the agent could not ${action}: ${printable(r.message)}`);
      if (r.result === 'no_answer') throw new CliError('no_answer', `the agent did not confirm: ${printable(r.message)}`);
    },
  }),
);
