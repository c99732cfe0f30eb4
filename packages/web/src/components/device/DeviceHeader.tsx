/** The top of a device page: name, state, group, last seen, and the tab links. */
import { NavLink } from 'react-router';
import type { Device, DeviceGroup } from '@meshwork/protocol';
import { Ago, OnlineBadge } from '../ui.js';

const TABS: [string, string][] = [
  ['', 'Overview'],
  ['terminal', 'Terminal'],
  ['files', 'Files'],
  ['events', 'Events'],
];

export function DeviceHeader({ device, group }: { device: Device; group: DeviceGroup | undefined }) {
  const base = `/devices/${device.id}`;
  return (
    <header className="device-header">
      <div className="row">
        <h1 className="device-title">{device.name || '(no name)'}</h1>
        <span data-testid="device-state"><OnlineBadge online={device.online} /></span>
      </div>
      <p className="muted device-meta">
        <span>Group: {group?.name ?? 'unknown'}</span>
        {' · '}
        <span>{device.online ? 'Connected now' : <>Last seen <Ago iso={device.lastSeen} /></>}</span>
        {device.os && <>{' · '}<span>{device.os}</span></>}
      </p>
      <nav className="tabs" aria-label="Device">
        {TABS.map(([path, label]) => (
          <NavLink key={label} to={path ? `${base}/${path}` : base} end>{label}</NavLink>
        ))}
      </nav>
    </header>
  );
}
