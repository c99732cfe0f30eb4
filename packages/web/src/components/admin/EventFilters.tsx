/** Events: the filter bar — type (typed, with suggestions), device and group (chosen from lists). */
import { useEffect, useId, useState, type FormEvent } from 'react';
import type { Device, DeviceGroup } from '@meshwork/protocol';
import { KNOWN_EVENT_TYPES, type EventFilter } from '../../lib/admin-events.js';
import { Button } from '../ui.js';

export function EventFilters({ value, onChange, devices, groups }: {
  value: EventFilter;
  onChange(f: EventFilter): void;
  devices: Device[];
  groups: DeviceGroup[];
}) {
  const listId = useId();
  const [type, setType] = useState(value.type ?? '');
  useEffect(() => setType(value.type ?? ''), [value.type]);

  function set(patch: Partial<EventFilter>) {
    const next: EventFilter = { ...value, ...patch };
    for (const k of Object.keys(next) as (keyof EventFilter)[]) if (!next[k]) delete next[k];
    onChange(next);
  }
  function submit(e: FormEvent) {
    e.preventDefault();
    set({ type: type.trim() });
  }

  return (
    <form className="row inline-form filters" onSubmit={submit} aria-label="Filter events">
      <label className="field">
        <span className="label">Type</span>
        <input list={listId} value={type} placeholder="any type" onChange={(e) => setType(e.target.value)} onBlur={() => type.trim() !== (value.type ?? '') && set({ type: type.trim() })} />
        <datalist id={listId}>{KNOWN_EVENT_TYPES.map((t) => <option key={t} value={t} />)}</datalist>
      </label>
      <label className="field">
        <span className="label">Device</span>
        <select value={value.deviceId ?? ''} onChange={(e) => set({ deviceId: e.target.value })}>
          <option value="">All devices</option>
          {devices.map((d) => <option key={d.id} value={d.id}>{d.name}</option>)}
        </select>
      </label>
      <label className="field">
        <span className="label">Group</span>
        <select value={value.groupId ?? ''} onChange={(e) => set({ groupId: e.target.value })}>
          <option value="">All groups</option>
          {groups.map((g) => <option key={g.id} value={g.id}>{g.name}</option>)}
        </select>
      </label>
      <Button type="submit">Filter</Button>
      <Button onClick={() => { setType(''); onChange({}); }} disabled={!value.type && !value.deviceId && !value.groupId}>Clear</Button>
    </form>
  );
}
