/** `user add|list|passwd|delete`. */
import { SITE_RIGHT_NAMES, type SiteRightName, type User } from '@meshwork/protocol';
import { UsageError } from '../errors.js';
import { list, table, time } from '../output/table.js';
import { resolveUser } from '../resolve.js';
import { flag, pos, str, type CommandSpec } from '../spec.js';

function siteRights(input: string | undefined, admin: boolean): SiteRightName[] {
  const names = (input ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const bad = names.filter((n) => !(SITE_RIGHT_NAMES as string[]).includes(n));
  if (bad.length > 0) throw new UsageError(`unknown site right ${bad.join(', ')}; choose from ${SITE_RIGHT_NAMES.join(', ')}`, 'user add');
  const set = new Set(names as SiteRightName[]);
  if (admin) set.add('admin');
  return [...set];
}

const userRow = (u: User): string[] => [u.name, u.id, list(u.siteRights), u.disabled ? 'yes' : 'no', u.totpEnabled ? 'yes' : 'no', time(u.createdAt), time(u.lastLoginAt)];

export const userCommands: CommandSpec[] = [
  {
    name: 'user add',
    args: ['NAME'],
    summary: 'Create a user; the password is read from stdin (first line) or prompted twice',
    options: {
      admin: { type: 'boolean', help: 'make the user a site administrator' },
      rights: { type: 'string', value: 'a,b', help: `site rights: ${SITE_RIGHT_NAMES.join(', ')}` },
    },
    async run(ctx, input) {
      const rights = siteRights(str(input, 'rights'), flag(input, 'admin'));
      const name = pos(input, 0);
      const password = await ctx.readPassword(`password for ${name}`);
      const user = await ctx.client.users.create({ name, password, siteRights: rights });
      ctx.print(user, () => `created user ${user.name} (id ${user.id}${user.siteRights.length ? `, rights ${user.siteRights.join(',')}` : ''})`);
    },
  },
  {
    name: 'user list',
    args: [],
    summary: 'List users',
    options: {},
    async run(ctx) {
      const users = await ctx.client.users.list();
      ctx.print(users, () => (users.length === 0 ? 'no users' : table(['NAME', 'ID', 'SITE RIGHTS', 'DISABLED', '2FA', 'CREATED', 'LAST LOGIN'], users.map(userRow))));
    },
  },
  {
    name: 'user passwd',
    args: ['NAME'],
    summary: "Set a user's password (stdin first line, or prompted twice)",
    options: {},
    async run(ctx, input) {
      const user = await resolveUser(ctx.client, pos(input, 0));
      const password = await ctx.readPassword(`new password for ${user.name}`);
      const ok = await ctx.client.users.setPassword({ id: user.id, password });
      ctx.print(ok, () => `password changed for ${user.name}`);
    },
  },
  {
    name: 'user delete',
    args: ['NAME'],
    summary: 'Delete a user',
    options: {},
    async run(ctx, input) {
      const user = await resolveUser(ctx.client, pos(input, 0));
      const ok = await ctx.client.users.delete({ id: user.id });
      ctx.print(ok, () => `deleted user ${user.name} (id ${user.id})`);
    },
  },
];
