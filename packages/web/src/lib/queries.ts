/** Query keys and hooks shared by pages (TanStack Query). The live stream patches these caches. */
import { useQuery } from '@tanstack/react-query';
import type { Device, DeviceGroup } from '@meshwork/protocol';
import { api } from './api.js';

export const keys = {
  groups: ['groups'] as const,
  devices: ['devices'] as const,
  device: (id: string) => ['device', id] as const,
  events: (filter: Record<string, unknown> = {}) => ['events', filter] as const,
  users: ['users'] as const,
  userGroups: ['userGroups'] as const,
};

export function useGroups() {
  return useQuery({ queryKey: keys.groups, queryFn: () => api.groups.list(), staleTime: 30_000 });
}

/** Every device the caller can see (filtered in the browser through an index; see DevicesPage). */
export function useDevices() {
  return useQuery({ queryKey: keys.devices, queryFn: () => api.devices.list({}), staleTime: 60_000 });
}

export function useDevice(id: string) {
  return useQuery({ queryKey: keys.device(id), queryFn: () => api.devices.get({ id }) });
}

export function groupById(groups: DeviceGroup[] | undefined): Map<string, DeviceGroup> {
  return new Map((groups ?? []).map((g) => [g.id, g]));
}

export type { Device, DeviceGroup };
