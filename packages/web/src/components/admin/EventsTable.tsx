/** Events: the log as a table — exact time, type, message (as text), device and group by name, details. Security events are highlighted. */
import { Link } from 'react-router';
import type { Event } from '@meshwork/protocol';
import { isSecurityEvent } from '../../lib/security-events.js';

export function EventsTable({ events, deviceName, groupName, userName }: {
  events: Event[];
  deviceName(id: string): string | undefined;
  groupName(id: string): string | undefined;
  userName(id: string): string | undefined;
}) {
  return (
    <table className="list stack events" data-testid="events-table">
      <thead>
        <tr><th>Time</th><th>Type</th><th>Message</th><th>Device / group</th><th>By</th></tr>
      </thead>
      <tbody>
        {events.map((e) => (
          <tr key={e.id} className={isSecurityEvent(e.type) ? 'security-event' : undefined}>
            <td data-label="Time" className="nowrap"><time dateTime={e.time}>{new Date(e.time).toLocaleString()}</time></td>
            <td data-label="Type"><code>{e.type}</code>{isSecurityEvent(e.type) && <> <span className="badge badge-warn">security</span></>}</td>
            <td data-label="Message" className="wrap">
              {e.message}
              {Object.keys(e.data).length > 0 && (
                <details>
                  <summary>Details</summary>
                  <pre className="mono wrap">{JSON.stringify(e.data, null, 2)}</pre>
                </details>
              )}
            </td>
            <td data-label="Device / group">
              {e.deviceId && <Link to={`/devices/${e.deviceId}`}>{deviceName(e.deviceId) ?? 'device'}</Link>}
              {e.deviceId && e.groupId && ' · '}
              {e.groupId && (groupName(e.groupId) ? <Link to={`/groups/${e.groupId}`}>{groupName(e.groupId)}</Link> : <span className="muted">deleted group</span>)}
            </td>
            <td data-label="By">{e.actorId ? (userName(e.actorId) ?? <span className="muted">a user</span>) : <span className="muted">system</span>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
