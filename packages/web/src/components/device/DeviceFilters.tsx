/** The device list's controls: search, group / state / tag filters, sort and grouping. */
import { useId } from 'react';
import type { DeviceGroup } from '@meshwork/protocol';
import type { DeviceFilter, SortKey, StateFilter } from '../../lib/device-index.js';

export interface ListControls extends DeviceFilter {
  sort: SortKey;
  grouped: boolean;
}

/** `disabled` while only the first screen of the list is in: filters need every device. */
export function DeviceFilters({ value, onChange, groups, tags, disabled = false }: {
  value: ListControls;
  onChange: (patch: Partial<ListControls>) => void;
  groups: readonly DeviceGroup[];
  tags: readonly string[];
  disabled?: boolean;
}) {
  const id = useId();
  return (
    <div className="dev-filters" role="search">
      <div className="field grow">
        <label htmlFor={`${id}-q`}>Search devices</label>
        <input id={`${id}-q`} type="search" value={value.query} placeholder="Name, OS, tag or group" autoComplete="off" disabled={disabled}
          onChange={(e) => onChange({ query: e.target.value })} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-g`}>Group</label>
        <select id={`${id}-g`} disabled={disabled} value={value.groupId} onChange={(e) => onChange({ groupId: e.target.value })}>
          <option value="">All groups</option>
          {groups.map((g) => <option key={g.id} value={g.id}>{g.name}</option>)}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-s`}>State</label>
        <select id={`${id}-s`} disabled={disabled} value={value.state} onChange={(e) => onChange({ state: e.target.value as StateFilter })}>
          <option value="all">Any state</option>
          <option value="online">Online</option>
          <option value="offline">Offline</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-t`}>Tag</label>
        <select id={`${id}-t`} disabled={disabled} value={value.tag} onChange={(e) => onChange({ tag: e.target.value })}>
          <option value="">Any tag</option>
          {tags.map((t) => <option key={t} value={t}>{t}</option>)}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-o`}>Sort by</label>
        <select id={`${id}-o`} disabled={disabled} value={value.sort} onChange={(e) => onChange({ sort: e.target.value as SortKey })}>
          <option value="name">Name</option>
          <option value="lastSeen">Last seen</option>
          <option value="state">State</option>
        </select>
      </div>
      <label className="check">
        <input type="checkbox" disabled={disabled} checked={value.grouped} onChange={(e) => onChange({ grouped: e.target.checked })} />
        Group by device group
      </label>
    </div>
  );
}
