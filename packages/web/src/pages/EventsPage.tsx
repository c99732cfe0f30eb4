/** The audit log: filtered by type, device or group; newest first, "Older" pages back; live events appear on top. */
import { useMemo, useState } from 'react';
import { problemText } from '../lib/admin-errors.js';
import { useAuditLog, type EventFilter } from '../lib/admin-events.js';
import { useUsers } from '../lib/admin-queries.js';
import { useLive } from '../lib/live.js';
import { groupById, useDevices, useGroups } from '../lib/queries.js';
import { useSession } from '../lib/session.js';
import { Button, Notice, Spinner } from '../components/ui.js';
import { EventFilters } from '../components/admin/EventFilters.js';
import { EventsTable } from '../components/admin/EventsTable.js';

export function EventsPage() {
  const { hasSiteRight } = useSession();
  const { status } = useLive();
  const [filter, setFilter] = useState<EventFilter>({});
  const log = useAuditLog(filter);
  const devices = useDevices();
  const groups = useGroups();
  const users = useUsers(hasSiteRight('manageUsers'));

  const names = useMemo(() => {
    const dev = new Map((devices.data ?? []).map((d) => [d.id, d.name]));
    const grp = groupById(groups.data);
    const usr = new Map((users.data ?? []).map((u) => [u.id, u.name]));
    return {
      deviceName: (id: string) => dev.get(id),
      groupName: (id: string) => grp.get(id)?.name,
      userName: (id: string) => usr.get(id),
    };
  }, [devices.data, groups.data, users.data]);

  const events = log.data?.pages.flat() ?? [];
  return (
    <div className="admin-page">
      <div className="row">
        <h1 className="grow">Events</h1>
        <span className="muted" role="status">{status === 'open' ? 'New events appear as they happen.' : 'Live updates paused; reconnecting…'}</span>
      </div>
      <EventFilters value={filter} onChange={setFilter} devices={devices.data ?? []} groups={groups.data ?? []} />
      {log.isPending && <Spinner />}
      {log.error && <Notice>{problemText(log.error)}</Notice>}
      {log.data && events.length === 0 && <p>No events{filter.type || filter.deviceId || filter.groupId ? ' match this filter' : ' yet'}.</p>}
      {events.length > 0 && <EventsTable events={events} {...names} />}
      <div className="row">
        {log.hasNextPage && (
          <Button onClick={() => void log.fetchNextPage()} disabled={log.isFetchingNextPage}>{log.isFetchingNextPage ? 'Loading…' : 'Older'}</Button>
        )}
        {log.data && !log.hasNextPage && events.length > 0 && <span className="muted">That is the oldest event kept.</span>}
      </div>
    </div>
  );
}
