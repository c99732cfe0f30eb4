/** Queries of one device's details (inventory, software, timeline, events) and the device mutation. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Device } from '@meshwork/protocol';
import { api } from './api.js';
import { keys } from './queries.js';

export const deviceKeys = {
  inventory: (id: string) => ['device', id, 'inventory'] as const,
  software: (id: string) => ['device', id, 'software'] as const,
  timeline: (id: string) => ['device', id, 'timeline'] as const,
};

export const useInventory = (id: string) => useQuery({ queryKey: deviceKeys.inventory(id), queryFn: () => api.devices.inventory({ id }), staleTime: 30_000 });
export const useSoftware = (id: string) => useQuery({ queryKey: deviceKeys.software(id), queryFn: () => api.devices.software({ id }), staleTime: 60_000 });
export const useTimeline = (id: string) => useQuery({ queryKey: deviceKeys.timeline(id), queryFn: () => api.devices.timeline({ id }), staleTime: 30_000 });

export const useDeviceEvents = (deviceId: string) =>
  useQuery({ queryKey: keys.events({ deviceId }), queryFn: () => api.events.list({ deviceId, limit: 200 }) });

export interface DevicePatch {
  name?: string;
  tags?: string[];
  notes?: string;
}

/** `devices.update`; on success the new record replaces the cached one in both caches. */
export function useUpdateDevice(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (patch: DevicePatch) => api.devices.update({ id, ...patch }),
    onSuccess: (d: Device) => {
      qc.setQueryData(keys.device(id), d);
      qc.setQueryData<Device[]>(keys.devices, (list) => list?.map((x) => (x.id === d.id ? d : x)));
    },
  });
}
