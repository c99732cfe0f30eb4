/** `group add|list|install-file|edit|rotate-key|tokens-only|grant`: device groups, their install files, enrolment keys and rights. */
import { writeFile } from 'node:fs/promises';
import { AGENT_UPDATE_POLICIES, GROUP_RIGHT_NAMES, type AgentUpdatePolicy, type DeviceGroup, type InstallFile } from '@meshwork/protocol';
import { UsageError } from '../errors.js';
import { jsonText } from '../output/printable.js';
import { list, table, time } from '../output/table.js';
import { resolveGroup, resolveSubject } from '../resolve.js';
import { flag, intOption, pos, str, type Ctx, type CommandSpec } from '../spec.js';

const RIGHT_CHOICES = ['full', ...GROUP_RIGHT_NAMES] as const;
type RightChoice = (typeof RIGHT_CHOICES)[number];

export function parseGroupRights(text: string): RightChoice[] {
  const names = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new UsageError('give at least one right', 'group grant');
  const bad = names.filter((n) => !(RIGHT_CHOICES as readonly string[]).includes(n));
  if (bad.length > 0) throw new UsageError(`unknown right ${bad.join(', ')}; choose from ${RIGHT_CHOICES.join(', ')}`, 'group grant');
  return [...new Set(names as RightChoice[])];
}

const groupRow = (g: DeviceGroup): string[] => [g.name, g.id, list(g.myRights), String(g.links.length), time(g.createdAt)];

function linksText(g: DeviceGroup): string {
  return table(['SUBJECT', 'KIND', 'RIGHTS'], g.links.map((l) => [l.subjectName, l.subjectKind === 'user' ? 'user' : 'user group', list(l.rights)]));
}

/** Prints the install file, or writes it to `out` with mode 0600 (it holds a secret that enrols devices). */
async function printInstallFile(ctx: Ctx, file: InstallFile, out: string | undefined): Promise<void> {
  // The group name is user data: jsonText leaves no control character raw (same value when parsed).
  const text = jsonText(file) + '\n';
  if (out === undefined) {
    ctx.print(file, () => text.trimEnd());
    return;
  }
  await writeFile(out, text, { mode: 0o600 });
  ctx.print(file, () => `wrote the install file of ${file.groupName} to ${out}`);
}

export const groupCommands: CommandSpec[] = [
  {
    name: 'group add',
    args: ['NAME'],
    summary: 'Create a device group (you get full rights on it)',
    options: { description: { type: 'string', value: 'D', help: 'a description' } },
    async run(ctx, input) {
      const g = await ctx.client.groups.create({ name: pos(input, 0), description: str(input, 'description') ?? '' });
      ctx.print(g, () => `created device group ${g.name} (id ${g.id})`);
    },
  },
  {
    name: 'group list',
    args: [],
    summary: 'List the device groups you can see',
    options: {},
    async run(ctx) {
      const groups = await ctx.client.groups.list();
      ctx.print(groups, () => (groups.length === 0 ? 'no device groups' : table(['NAME', 'ID', 'MY RIGHTS', 'LINKS', 'CREATED'], groups.map(groupRow))));
    },
  },
  {
    name: 'group install-file',
    args: ['GROUP'],
    summary: "Print a group's agent install file (JSON: server URLs, ServerID, group, and the group's enrolment key or a token)",
    details: [
      "GROUP is a name or an id. The file holds the group's enrolment key (needs manageDevices), which enrols any",
      'number of devices until the key is rotated. With --token, an enrolment token is created and the file holds',
      'only that token (no key): it enrols as many devices as the token allows, and none after.',
      'Here --token is that flag: in remote mode give the API token before the command, as --token=T, in MESHWORK_TOKEN or with --token-file.',
    ].join('\n'),
    options: {
      token: { type: 'boolean', help: 'create an enrolment token and embed it' },
      'expires-hours': { type: 'string', value: 'H', help: 'with --token: the token expires after H hours' },
      'max-uses': { type: 'string', value: 'N', help: 'with --token: the token enrols at most N agents' },
      out: { type: 'string', value: 'FILE', help: 'write the file here (mode 0600) instead of printing it' },
    },
    async run(ctx, input) {
      const withToken = flag(input, 'token');
      const expiresInHours = intOption(input, 'expires-hours', 1, 24 * 365, 'group install-file');
      const maxUses = intOption(input, 'max-uses', 1, 1_000_000, 'group install-file');
      if (!withToken && (expiresInHours !== undefined || maxUses !== undefined)) {
        throw new UsageError('--expires-hours and --max-uses need --token', 'group install-file');
      }
      const group = await resolveGroup(ctx.client, pos(input, 0));
      let file: InstallFile;
      if (withToken) {
        const created = await ctx.client.groups.createEnrolmentToken({
          id: group.id,
          ...(expiresInHours !== undefined ? { expiresInHours } : {}),
          ...(maxUses !== undefined ? { maxUses } : {}),
        });
        file = created.installFile;
        ctx.note(`created enrolment token ${created.token.id} for ${group.name}`);
      } else {
        file = await ctx.client.groups.installFile({ id: group.id });
      }
      await printInstallFile(ctx, file, str(input, 'out'));
    },
  },
  {
    name: 'group edit',
    args: ['GROUP'],
    summary: "Rename or describe a device group, or set whether its agents update themselves",
    details: '--agent-updates: off (never), canary (as soon as the server has another version), all (the default: once a canary ' +
      'group proved the version — one of its devices updated and none failed or rolled back — or at once without canary devices). Needs editGroup.',
    options: {
      name: { type: 'string', value: 'N', help: 'the new name' },
      description: { type: 'string', value: 'D', help: 'the new description' },
      'agent-updates': { type: 'string', value: 'off|all|canary', help: 'self-update policy of its agents' },
    },
    async run(ctx, input) {
      const group = await resolveGroup(ctx.client, pos(input, 0));
      const name = str(input, 'name');
      const description = str(input, 'description');
      const policy = str(input, 'agent-updates');
      if (policy !== undefined && !(AGENT_UPDATE_POLICIES as readonly string[]).includes(policy)) {
        throw new UsageError(`--agent-updates must be one of ${AGENT_UPDATE_POLICIES.join(', ')}`, 'group edit');
      }
      if (name === undefined && description === undefined && policy === undefined) {
        throw new UsageError('give --name, --description or --agent-updates', 'group edit');
      }
      const g = await ctx.client.groups.update({
        id: group.id,
        ...(name !== undefined ? { name } : {}),
        ...(description !== undefined ? { description } : {}),
        ...(policy !== undefined ? { agentUpdates: policy as AgentUpdatePolicy } : {}),
      });
      ctx.print(g, () => `saved device group ${g.name}${g.agentUpdates !== undefined ? ` (agent updates: ${g.agentUpdates})` : ''}`);
    },
  },
  {
    name: 'group rotate-key',
    args: ['GROUP'],
    summary: "Give a group a new enrolment key and print its install file (earlier install files stop enrolling new devices)",
    details: 'Enrolled devices keep working: they are known by their own key. Also ends tokens-only.',
    options: { out: { type: 'string', value: 'FILE', help: 'write the file here (mode 0600) instead of printing it' } },
    async run(ctx, input) {
      const group = await resolveGroup(ctx.client, pos(input, 0));
      const file = await ctx.client.groups.rotateEnrolmentKey({ id: group.id });
      ctx.note(`${group.name} has a new enrolment key`);
      await printInstallFile(ctx, file, str(input, 'out'));
    },
  },
  {
    name: 'group tokens-only',
    args: ['GROUP'],
    summary: "Remove a group's enrolment key: new devices join only with enrolment tokens (`group rotate-key` gives it a key again)",
    options: {},
    async run(ctx, input) {
      const group = await resolveGroup(ctx.client, pos(input, 0));
      const updated = await ctx.client.groups.removeEnrolmentKey({ id: group.id });
      ctx.print(updated, () => `${updated.name} now enrols new devices with enrolment tokens only`);
    },
  },
  {
    name: 'group grant',
    args: ['GROUP', 'USER_OR_USERGROUP', 'RIGHTS'],
    summary: 'Give a user or user group rights on a device group (replaces their previous rights there)',
    details: `RIGHTS is a comma list of: ${RIGHT_CHOICES.join(', ')}.\nWrite user:NAME or usergroup:NAME when a user and a user group share a name.`,
    options: {},
    async run(ctx, input) {
      const rights = parseGroupRights(pos(input, 2));
      const group = await resolveGroup(ctx.client, pos(input, 0));
      const subject = await resolveSubject(ctx.client, pos(input, 1));
      const updated = await ctx.client.groups.setRights({ id: group.id, subjectId: subject.record.id, rights });
      const who = `${subject.kind === 'user' ? 'user' : 'user group'} ${subject.record.name}`;
      ctx.print(updated, () => `granted ${rights.join(',')} on ${updated.name} to ${who}\n\n${linksText(updated)}`);
    },
  },
];
