/** `device list` and `events`. */
import type { Device, DeviceGroup } from '@meshwork/protocol';
import { list, table, time } from '../output/table.js';
import { resolveDevice, resolveGroup } from '../resolve.js';
import { intOption, str, type CommandSpec } from '../spec.js';

const HEX96 = /^[0-9a-f]{96}$/;

function deviceRows(devices: Device[], groups: DeviceGroup[]): string[][] {
  const groupName = new Map(groups.map((g) => [g.id, g.name]));
  return devices.map((d) => [d.name, groupName.get(d.groupId) ?? d.groupId.slice(0, 12), d.online ? 'online' : 'offline', time(d.lastSeen), d.os ?? '-', list(d.tags), d.id]);
}

export const deviceCommands: CommandSpec[] = [
  {
    name: 'device list',
    args: [],
    summary: 'List the devices you can see',
    options: { group: { type: 'string', value: 'G', help: 'only this device group (name or id)' } },
    async run(ctx, input) {
      const groupKey = str(input, 'group');
      const group = groupKey === undefined ? undefined : await resolveGroup(ctx.client, groupKey);
      const devices = await ctx.client.devices.list(group ? { groupId: group.id } : {});
      // Group names for the human table only; JSON output is exactly the API's list.
      const groups = ctx.json ? [] : group ? [group] : await ctx.client.groups.list();
      ctx.print(devices, () => (devices.length === 0 ? 'no devices' : table(['NAME', 'GROUP', 'STATE', 'LAST SEEN', 'OS', 'TAGS', 'ID'], deviceRows(devices, groups))));
    },
  },
  {
    name: 'events',
    args: [],
    summary: 'Show recent events you may see, newest first',
    options: {
      device: { type: 'string', value: 'ID', help: 'only events of this device (id or name)' },
      group: { type: 'string', value: 'G', help: 'only events of this device group (name or id)' },
      type: { type: 'string', value: 'T', help: 'only events of this type' },
      limit: { type: 'string', value: 'N', help: 'at most N events (1-1000, default 100)' },
    },
    async run(ctx, input) {
      const limit = intOption(input, 'limit', 1, 1000, 'events');
      const deviceKey = str(input, 'device');
      const groupKey = str(input, 'group');
      const type = str(input, 'type');
      const deviceId = deviceKey === undefined ? undefined : HEX96.test(deviceKey) ? deviceKey : (await resolveDevice(ctx.client, deviceKey)).id;
      const groupId = groupKey === undefined ? undefined : (await resolveGroup(ctx.client, groupKey)).id;
      const events = await ctx.client.events.list({
        ...(deviceId !== undefined ? { deviceId } : {}),
        ...(groupId !== undefined ? { groupId } : {}),
        ...(type !== undefined ? { type } : {}),
        ...(limit !== undefined ? { limit } : {}),
      });
      ctx.print(events, () => (events.length === 0 ? 'no events' : table(['TIME', 'TYPE', 'MESSAGE'], events.map((e) => [time(e.time), e.type, e.message]))));
    },
  },
];
