/** `meshwork wake DEVICE`: Wake-on-LAN of an offline device through online agents in its subnets (`wake` right). */
import { CliError } from '../errors.js';
import { table } from '../output/table.js';
import { resolveDevice } from '../resolve.js';
import { pos, type CommandSpec } from '../spec.js';
import { printable } from '../output/printable.js';

const HEX96 = /^[0-9a-f]{96}$/;

export const wakeCommands: CommandSpec[] = [
  {
    name: 'wake',
    args: ['DEVICE'],
    summary: 'Wake an offline device (Wake-on-LAN through agents in its subnets)',
    details: 'DEVICE is an id or a name. Up to 3 online agents that share an IPv4 network with it send magic packets for its MAC addresses. Exit 1 when none could.',
    options: {},
    async run(ctx, input) {
      const key = pos(input, 0);
      const id = HEX96.test(key) ? key : (await resolveDevice(ctx.client, key)).id;
      const r = await ctx.client.devices.wake({ id });
      ctx.print(r, () =>
        r.agents.length === 0
          ? `no online agent shares a network with ${printable(key)}`
          : [`MACs: ${r.macs.join(', ')}`, table(['AGENT', 'RESULT', 'MESSAGE'], r.agents.map((a) => [printable(a.name), a.result, printable(a.message)]))].join('\n'),
      );
      if (!r.agents.some((a) => a.result === 'sent')) throw new CliError('not_sent', r.agents.length === 0 ? 'no agent could send the magic packets' : 'no agent confirmed sending the magic packets');
    },
  },
];
