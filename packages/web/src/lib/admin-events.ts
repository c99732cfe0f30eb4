/**
 * The audit log as an infinite query: newest first, "Older" asks for events before the last one
 * shown. Live events that match the filter are put on top of the first page in place (no refetch).
 */
import { useEffect } from 'react';
import { useInfiniteQuery, useQueryClient, type InfiniteData } from '@tanstack/react-query';
import type { Event } from '@meshwork/protocol';
import { api } from './api.js';
import { useLive } from './live.js';

export const EVENTS_PAGE = 100;

export interface EventFilter {
  type?: string;
  deviceId?: string;
  groupId?: string;
}

/** Types the server is known to write, offered as suggestions in the type filter. */
export const KNOWN_EVENT_TYPES = [
  'auth.login', 'auth.loginFailed', 'auth.lockout', 'auth.accountDelayed', 'auth.logout',
  'account.passwordChanged', 'account.totpEnabled', 'account.totpDisabled', 'account.passkeyRegistered', 'account.passkeyDeleted',
  'user.created', 'user.updated', 'user.deleted', 'user.passwordSet', 'token.created', 'token.revoked',
  'group.created', 'group.updated', 'group.deleted', 'rights.granted', 'rights.revoked',
  'userGroup.created', 'userGroup.updated', 'userGroup.deleted', 'userGroup.memberAdded', 'userGroup.memberRemoved',
  'enrolmentToken.created', 'enrolmentToken.revoked',
  'device.enrolled', 'device.updated', 'device.moved', 'device.deleted', 'device.offline', 'device.note',
  'device.power', 'device.wake', 'run.started', 'run.result',
];

// Not under ['events']: the live provider invalidates those, and this list is patched instead.
const auditKey = (f: EventFilter) => ['auditLog', f] as const;

export function matches(e: Event, f: EventFilter): boolean {
  return (!f.type || e.type === f.type) && (!f.deviceId || e.deviceId === f.deviceId) && (!f.groupId || e.groupId === f.groupId);
}

export function useAuditLog(filter: EventFilter) {
  const qc = useQueryClient();
  const { subscribe } = useLive();
  const query = useInfiniteQuery({
    queryKey: auditKey(filter),
    queryFn: ({ pageParam }) => api.events.list({ ...filter, limit: EVENTS_PAGE, ...(pageParam ? { before: pageParam } : {}) }),
    initialPageParam: '',
    getNextPageParam: (last) => (last.length < EVENTS_PAGE ? undefined : last[last.length - 1]?.time),
  });

  useEffect(
    () =>
      subscribe((e) => {
        if (!matches(e, filter)) return;
        qc.setQueryData<InfiniteData<Event[], string>>(auditKey(filter), (data) => {
          if (!data || data.pages.some((p) => p.some((x) => x.id === e.id))) return data;
          const [first = [], ...rest] = data.pages;
          return { ...data, pages: [[e, ...first], ...rest] };
        });
      }),
    // The filter's fields, not its identity: a new object with the same values is the same filter.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [subscribe, qc, filter.type, filter.deviceId, filter.groupId],
  );
  return query;
}
