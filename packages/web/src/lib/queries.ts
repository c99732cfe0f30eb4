/** Query keys and hooks shared by pages (TanStack Query). The live stream patches these caches. */
import { useQuery } from '@tanstack/react-query';
import type { Device, DeviceGroup, DeviceListHead } from '@meshwork/protocol';
import { api } from './api.js';

export const keys = {
  groups: ['groups'] as const,
  devices: ['devices'] as const,
  devicesHead: ['devicesHead'] as const,
  device: (id: string) => ['device', id] as const,
  events: (filter: Record<string, unknown> = {}) => ['events', filter] as const,
  users: ['users'] as const,
  userGroups: ['userGroups'] as const,
};

export const groupsQuery = { queryKey: keys.groups, queryFn: () => api.groups.list(), staleTime: 30_000 };

export function useGroups() {
  return useQuery(groupsQuery);
}

/** Resolves once the page has painted twice, or after 100 ms when nothing paints (a hidden tab). */
const afterPaint = (): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, 100);
    requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(resolve, 0)));
  });

/**
 * Every device the caller can see (filtered in the browser through an index; see DevicesPage).
 * Reading 10,000 devices takes tens of milliseconds of script, so it waits until the page has
 * painted what it has (the first screen, from `devicesHeadQuery`), which must not wait for it.
 */
export const devicesQuery = {
  queryKey: keys.devices,
  queryFn: async (): Promise<Device[]> => {
    await afterPaint();
    return api.devices.list({});
  },
  staleTime: 60_000,
};

export function useDevices() {
  return useQuery(devicesQuery);
}

/** The first screen of the device list and the total (devices.listHead): a small answer, shown until the whole list is in. */
export const devicesHeadQuery = { queryKey: keys.devicesHead, queryFn: () => api.devices.listHead({}), staleTime: 60_000 };

/** The first screen, only while `enabled` (the whole list is not there yet). */
export function useDeviceHead(enabled: boolean) {
  return useQuery({ ...devicesHeadQuery, enabled });
}

export function useDevice(id: string) {
  return useQuery({ queryKey: keys.device(id), queryFn: () => api.devices.get({ id }) });
}

export function groupById(groups: DeviceGroup[] | undefined): Map<string, DeviceGroup> {
  return new Map((groups ?? []).map((g) => [g.id, g]));
}

export type { Device, DeviceGroup, DeviceListHead };
