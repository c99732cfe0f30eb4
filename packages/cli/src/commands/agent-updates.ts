/**
 * `agent updates|update-retry`: the agent version and self-update state of each device, and a
 * retry of versions that failed or rolled back on one. A group's policy: `group edit --agent-updates`.
 */
import type { AgentUpdateView } from '@meshwork/protocol';
import { list, table, time } from '../output/table.js';
import { resolveDevice, resolveGroup } from '../resolve.js';
import { pos, str, type CommandSpec } from '../spec.js';

const updateRow = (v: AgentUpdateView): string[] => [
  v.deviceName, v.version ?? '-', v.platform ?? '-', v.target ?? '-', v.state ?? '-', time(v.at), list(v.blocked), v.error ?? '',
];
const HEADERS = ['DEVICE', 'VERSION', 'PLATFORM', 'TARGET', 'STATE', 'SINCE', 'BLOCKED', 'ERROR'];

export const agentUpdateCommands: CommandSpec[] = [
  {
    name: 'agent updates',
    args: [],
    summary: 'Agent version and self-update state of each device (groups where you hold deviceDetails)',
    details: 'STATE is `offered` or the last step the agent reported (downloading … restarting, updated, failed, rolled-back). ' +
      'BLOCKED lists versions that failed or rolled back on the device: they are not offered again until `agent update-retry`.',
    options: { group: { type: 'string', value: 'G', help: 'only this device group (name or id)' } },
    async run(ctx, input) {
      const groupKey = str(input, 'group');
      const groupId = groupKey !== undefined ? (await resolveGroup(ctx.client, groupKey)).id : undefined;
      const views = await ctx.client.agentUpdates.list(groupId !== undefined ? { groupId } : {});
      ctx.print(views, () => (views.length === 0 ? 'no devices' : table(HEADERS, views.map(updateRow))));
    },
  },
  {
    name: 'agent update-retry',
    args: ['DEVICE'],
    summary: 'Let a device be offered again the agent versions that failed or rolled back on it',
    details: 'DEVICE is a name or an id. Needs manageDevices on its group.',
    options: {},
    async run(ctx, input) {
      const d = await resolveDevice(ctx.client, pos(input, 0));
      const v = await ctx.client.devices.retryAgentUpdate({ id: d.id });
      ctx.print(v, () => `${d.name} may be offered any agent version again`);
    },
  },
];
