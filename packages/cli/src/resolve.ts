/** Name → record lookups, so commands accept names where the API takes ids. */
import { ApiClientError, type Client } from '@meshwork/client';
import type { Device, DeviceGroup, User, UserGroup } from '@meshwork/protocol';
import { CliError } from './errors.js';

function pick<T extends { id: string; name: string }>(kind: string, items: T[], key: string): T {
  const byId = items.find((x) => x.id === key);
  if (byId) return byId;
  const exact = items.filter((x) => x.name === key);
  const matches = exact.length > 0 ? exact : items.filter((x) => x.name.toLowerCase() === key.toLowerCase());
  if (matches.length === 1 && matches[0]) return matches[0];
  if (matches.length === 0) throw new CliError('not_found', `no ${kind} named "${key}"`);
  throw new CliError('ambiguous', `${matches.length} ${kind}s are named "${key}"; use an id: ${matches.map((m) => m.id).join(', ')}`);
}

export async function resolveUser(client: Client, key: string): Promise<User> {
  return pick('user', await client.users.list(), key);
}

export async function resolveGroup(client: Client, key: string): Promise<DeviceGroup> {
  return pick('device group', await client.groups.list(), key);
}

export async function resolveDevice(client: Client, key: string): Promise<Device> {
  return pick('device', await client.devices.list(), key);
}

export type Subject = { kind: 'user'; record: User } | { kind: 'userGroup'; record: UserGroup };

/**
 * A user or a user group by id or name. `user:NAME` and `usergroup:NAME` say which when a user
 * and a user group share a name.
 */
export async function resolveSubject(client: Client, key: string): Promise<Subject> {
  const m = /^(user|usergroup):(.+)$/i.exec(key);
  const only = m?.[1]?.toLowerCase();
  const name = m?.[2] ?? key;
  if (only === 'user') return { kind: 'user', record: await resolveUser(client, name) };
  if (only === 'usergroup') return { kind: 'userGroup', record: pick('user group', await client.userGroups.list(), name) };
  const [users, groups] = await Promise.all([client.users.list(), listUserGroups(client)]);
  const found: Subject[] = [];
  for (const [kind, items] of [['user', users], ['userGroup', groups]] as const) {
    try {
      const record = pick(kind === 'user' ? 'user' : 'user group', items as (User | UserGroup)[], name);
      found.push(kind === 'user' ? { kind, record: record as User } : { kind, record: record as UserGroup });
    } catch (e) {
      if (!(e instanceof CliError) || e.code !== 'not_found') throw e;
    }
  }
  if (found.length === 1 && found[0]) return found[0];
  if (found.length === 0) throw new CliError('not_found', `no user or user group named "${name}"`);
  throw new CliError('ambiguous', `both a user and a user group are named "${name}"; write user:${name} or usergroup:${name}`);
}

/** User groups, or none when the caller may not list them (a non-admin can still grant to users). */
async function listUserGroups(client: Client): Promise<UserGroup[]> {
  try {
    return await client.userGroups.list();
  } catch (e) {
    if (e instanceof ApiClientError && (e.code === 'forbidden' || e.code === 'not_found')) return [];
    throw e;
  }
}
