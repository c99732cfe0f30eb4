/**
 * `group install-command` (the one-line install for a Linux root shell) and `agent packages` (the
 * agent executables the server serves).
 */
import { AGENT_PLATFORMS, type AgentPlatform, type InstallCommand } from '@meshwork/protocol';
import { CliError, UsageError } from '../errors.js';
import { table, time } from '../output/table.js';
import { resolveGroup } from '../resolve.js';
import { flag, intOption, pos, str, type Ctx, type CommandSpec } from '../spec.js';

function platformOption(input: Parameters<CommandSpec['run']>[1]): AgentPlatform | undefined {
  const p = str(input, 'platform');
  if (p === undefined) return undefined;
  if (!(AGENT_PLATFORMS as readonly string[]).includes(p)) {
    throw new UsageError(`unknown platform ${p}; choose from ${AGENT_PLATFORMS.join(', ')}`, 'group install-command');
  }
  return p as AgentPlatform;
}

/** The command alone on stdout (copy-paste), what it pins on stderr. */
function printCommand(ctx: Ctx, c: InstallCommand): void {
  ctx.note(`for ${c.platforms.map((p) => `${p.platform} ${p.version}`).join(', ')}; pinned to the server key ${c.serverPin} and each package's SHA-256`);
  ctx.note(`run it as root on the device before ${time(c.expiresAt)} (its download links expire)`);
  ctx.print(c, () => c.command);
}

const NO_PACKAGES = 'the server has no agent packages: build them with npm run build:agents, then restart the server';

const TOKEN_HELP = [
  'GROUP is a name or an id. The command downloads the agent from this server over a short-lived link, refuses',
  "any other server key or file, writes the group's install file and installs the agent as a systemd service.",
  "Without --platform it works on every platform the server has an agent for (chosen by uname -m on the device).",
  "It holds the group's enrolment key (needs manageDevices). --token ID: the file of that enrolment token, without",
  'its secret (shown only once: it installs devices already enrolled). --new-token: create an enrolment token and',
  'put it in the command instead of the key (like `group install-file --token`).',
  'Here --token is the enrolment token: in remote mode give the API token before the command, in MESHWORK_TOKEN or with --token-file.',
].join('\n');

export const agentPackageCommands: CommandSpec[] = [
  {
    name: 'group install-command',
    args: ['GROUP'],
    summary: 'Print a one-line command that installs the agent on a Linux device as a service, pinned to this server',
    details: TOKEN_HELP,
    options: {
      platform: { type: 'string', value: 'P', help: `only this platform (${AGENT_PLATFORMS.join(', ')})` },
      token: { type: 'string', value: 'ID', help: "an enrolment token's id: its file, without the secret" },
      'new-token': { type: 'boolean', help: 'create an enrolment token and put it in the command' },
      'expires-hours': { type: 'string', value: 'H', help: 'with --new-token: the token expires after H hours' },
      'max-uses': { type: 'string', value: 'N', help: 'with --new-token: the token enrols at most N agents' },
    },
    async run(ctx, input) {
      const platform = platformOption(input);
      const tokenId = str(input, 'token');
      const newToken = flag(input, 'new-token');
      const expiresInHours = intOption(input, 'expires-hours', 1, 24 * 365, 'group install-command');
      const maxUses = intOption(input, 'max-uses', 1, 1_000_000, 'group install-command');
      if (!newToken && (expiresInHours !== undefined || maxUses !== undefined)) throw new UsageError('--expires-hours and --max-uses need --new-token', 'group install-command');
      if (newToken && (tokenId !== undefined || platform !== undefined)) throw new UsageError('--new-token makes a command for every platform; leave out --token and --platform', 'group install-command');
      const group = await resolveGroup(ctx.client, pos(input, 0));
      if (!newToken) {
        printCommand(ctx, await ctx.client.groups.installCommand({ id: group.id, ...(platform ? { platform } : {}), ...(tokenId !== undefined ? { tokenId } : {}) }));
        return;
      }
      if ((await ctx.client.agent.packages()).length === 0) throw new CliError('no_agent_packages', NO_PACKAGES);
      const created = await ctx.client.groups.createEnrolmentToken({
        id: group.id, ...(expiresInHours !== undefined ? { expiresInHours } : {}), ...(maxUses !== undefined ? { maxUses } : {}),
      });
      ctx.note(`created enrolment token ${created.token.id} for ${group.name}`);
      if (!created.installCommand) {
        throw new CliError('no_install_command', `the server made no install command (it knows no URL of its own: start it once, or set --public-url); revoke token ${created.token.id} in the web UI if it is not used`);
      }
      printCommand(ctx, created.installCommand);
    },
  },
  {
    name: 'agent packages',
    args: [],
    summary: 'List the agent executables the server serves (platform, version, size, SHA-256)',
    options: {},
    async run(ctx) {
      const packages = await ctx.client.agent.packages();
      ctx.print(packages, () => (packages.length === 0
        ? NO_PACKAGES
        : table(['PLATFORM', 'VERSION', 'SIZE', 'SHA256'], packages.map((p) => [p.platform, p.version, String(p.size), p.sha256]))));
    },
  },
];
