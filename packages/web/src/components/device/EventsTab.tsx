/** This device's events: the stored list (newest first) plus events arriving on the live stream. */
import { useEffect, useMemo, useState } from 'react';
import type { Event } from '@meshwork/protocol';
import { Notice, Spinner } from '../ui.js';
import { errorText } from '../../lib/api.js';
import { useLive } from '../../lib/live.js';
import { useDeviceEvents } from '../../lib/device-queries.js';

export function EventsTab({ deviceId }: { deviceId: string }) {
  const q = useDeviceEvents(deviceId);
  const { subscribe } = useLive();
  const [live, setLive] = useState<Event[]>([]);
  // Every `subscribe` of the live context adds to the same listener set: subscribing once per device is enough.
  useEffect(() => {
    setLive([]);
    return subscribe((e) => {
      if (e.deviceId === deviceId) setLive((l) => [e, ...l].slice(0, 200));
    });
  }, [deviceId]); // eslint-disable-line react-hooks/exhaustive-deps

  const events = useMemo(() => {
    const seen = new Set<string>();
    return [...live, ...(q.data ?? [])].filter((e) => !seen.has(e.id) && seen.add(e.id)).sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : 0));
  }, [live, q.data]);

  if (q.isPending) return <Spinner label="Loading events…" />;
  return (
    <section aria-label="Events">
      {q.isError && <Notice>{errorText(q.error)}</Notice>}
      {events.length === 0 ? <p className="muted">No events for this device.</p> : (
        <div className="table-wrap">
          <table className="list">
            <thead>
              <tr><th>Time</th><th>Type</th><th>What happened</th></tr>
            </thead>
            <tbody aria-live="polite">
              {events.map((e) => (
                <tr key={e.id} data-testid="event-row">
                  <td><time dateTime={e.time}>{new Date(e.time).toLocaleString()}</time></td>
                  <td className="mono">{e.type}</td>
                  <td>{e.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
