/**
 * `device remove|revoked|allow`: removing a device revokes it (its agent is disconnected and its
 * key refused); site administrators list revoked devices and allow one to enrol again.
 */
import type { DeviceRevocation } from '@meshwork/protocol';
import { UsageError } from '../errors.js';
import { table, time } from '../output/table.js';
import { resolveDevice } from '../resolve.js';
import { pos, type CommandSpec } from '../spec.js';

const HEX96 = /^[0-9a-f]{96}$/;

const revocationRow = (r: DeviceRevocation): string[] => [r.name, time(r.revokedAt), r.revokedBy ?? '-', r.deviceId];

export const revocationCommands: CommandSpec[] = [
  {
    name: 'device remove',
    args: ['DEVICE'],
    summary: 'Remove a device: its agent is disconnected and cannot enrol again until `device allow`',
    details: 'DEVICE is a name or an id. Needs manageDevices on its group.',
    options: {},
    async run(ctx, input) {
      const d = await resolveDevice(ctx.client, pos(input, 0));
      const r = await ctx.client.devices.delete({ id: d.id });
      ctx.print(r, () => `removed device ${d.name} (${d.id}); it cannot enrol again until \`meshwork device allow ${d.id}\``);
    },
  },
  {
    name: 'device revoked',
    args: [],
    summary: 'List removed devices that may not enrol again (site administrators)',
    options: {},
    async run(ctx) {
      const list = await ctx.client.devices.listRevoked();
      ctx.print(list, () => (list.length === 0 ? 'no revoked devices' : table(['NAME', 'REMOVED', 'BY', 'ID'], list.map(revocationRow))));
    },
  },
  {
    name: 'device allow',
    args: ['DEVICE_ID'],
    summary: 'Let a removed device enrol again with a current install file (site administrators)',
    details: 'DEVICE_ID is the 96-hex id shown by `device revoked`.',
    options: {},
    async run(ctx, input) {
      const id = pos(input, 0);
      if (!HEX96.test(id)) throw new UsageError('give the 96-hex device id shown by `device revoked`', 'device allow');
      const r = await ctx.client.devices.liftRevocation({ id });
      ctx.print(r, () => `device ${id} may enrol again`);
    },
  },
];
