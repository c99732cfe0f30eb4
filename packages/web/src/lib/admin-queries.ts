/** Query keys and hooks of the account and admin pages (users, user groups, tokens, passkeys, enrolment). */
import { useQuery } from '@tanstack/react-query';
import { api } from './api.js';
import { keys } from './queries.js';

export const adminKeys = {
  users: keys.users,
  userGroups: keys.userGroups,
  tokens: ['tokens'] as const,
  passkeys: ['passkeys'] as const,
  group: (id: string) => ['group', id] as const,
  enrolmentTokens: (groupId: string) => ['enrolmentTokens', groupId] as const,
  revokedDevices: ['revokedDevices'] as const,
};

export function useUsers(enabled = true) {
  return useQuery({ queryKey: adminKeys.users, queryFn: () => api.users.list(), enabled });
}

/** User groups need the manageUserGroups site right; pass `enabled=false` when the caller lacks it. */
export function useUserGroups(enabled = true) {
  return useQuery({ queryKey: adminKeys.userGroups, queryFn: () => api.userGroups.list(), enabled });
}

export function useApiTokens() {
  return useQuery({ queryKey: adminKeys.tokens, queryFn: () => api.tokens.list() });
}

export function usePasskeys() {
  return useQuery({ queryKey: adminKeys.passkeys, queryFn: () => api.account.passkeys(), retry: false });
}

export function useGroup(id: string) {
  return useQuery({ queryKey: adminKeys.group(id), queryFn: () => api.groups.get({ id }) });
}

export function useRevokedDevices(enabled = true) {
  return useQuery({ queryKey: adminKeys.revokedDevices, queryFn: () => api.devices.listRevoked(), enabled });
}

export function useEnrolmentTokens(groupId: string, enabled = true) {
  return useQuery({ queryKey: adminKeys.enrolmentTokens(groupId), queryFn: () => api.groups.listEnrolmentTokens({ id: groupId }), enabled });
}
