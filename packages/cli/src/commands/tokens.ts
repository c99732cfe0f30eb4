/** `token create|list|revoke`: API tokens for automation (`Authorization: Bearer …`). */
import { table, time } from '../output/table.js';
import { resolveUser } from '../resolve.js';
import { intOption, pos, str, type CommandSpec } from '../spec.js';

export const tokenCommands: CommandSpec[] = [
  {
    name: 'token create',
    args: ['USER'],
    summary: 'Create an API token for a user; prints the bearer token (shown once)',
    details: 'Only the token goes to stdout, so `T=$(meshwork token create alice)` works; details go to stderr. ' +
      'Run it on the server with --data (or use the web UI\'s account page): a token cannot create tokens (session_required).',
    options: {
      name: { type: 'string', value: 'N', help: 'a label for the token (default "cli")' },
      'expires-days': { type: 'string', value: 'D', help: 'expire after D days (default: never)' },
    },
    async run(ctx, input) {
      const expiresInDays = intOption(input, 'expires-days', 1, 3650, 'token create');
      const user = await resolveUser(ctx.client, pos(input, 0));
      const created = await ctx.client.tokens.create({
        name: str(input, 'name') ?? 'cli',
        userId: user.id,
        ...(expiresInDays !== undefined ? { expiresInDays } : {}),
      });
      if (!ctx.json) ctx.note(`created token ${created.token.id} for ${user.name}${created.token.expiresAt ? `, expires ${time(created.token.expiresAt)}` : ''}; it is shown only once`);
      ctx.print(created, () => created.secret);
    },
  },
  {
    name: 'token list',
    args: [],
    summary: 'List API tokens (own; all for administrators)',
    options: {},
    async run(ctx) {
      const tokens = await ctx.client.tokens.list();
      ctx.print(tokens, () =>
        tokens.length === 0
          ? 'no tokens'
          : table(['ID', 'USER ID', 'NAME', 'CREATED', 'EXPIRES', 'LAST USED'], tokens.map((t) => [t.id, t.userId, t.name, time(t.createdAt), time(t.expiresAt), time(t.lastUsedAt)])),
      );
    },
  },
  {
    name: 'token revoke',
    args: ['ID'],
    summary: 'Revoke an API token',
    options: {},
    async run(ctx, input) {
      const id = pos(input, 0);
      const ok = await ctx.client.tokens.revoke({ id });
      ctx.print(ok, () => `revoked token ${id}`);
    },
  },
];
