/**
 * Every device the caller can see, live (the live stream patches the cached list in place).
 * Filtering runs over a precomputed search key per device (lib/device-index.ts) and the table is
 * virtualised, so the page stays fluid with 10,000 devices. Until the whole list is in, its first
 * screen (devices.listHead: the first devices in the same order, and the total) is shown, with the
 * filters and "select all" disabled: they need every device.
 */
import { useCallback, useMemo, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { RUN_MAX_DEVICES } from '@meshwork/protocol';
import { Button, Notice, Spinner } from '../components/ui.js';
import { DeviceFilters, type ListControls } from '../components/device/DeviceFilters.js';
import { DeviceList } from '../components/device/DeviceList.js';
import { allTags, filterIndex, indexDevices, listRows, sortIndex } from '../lib/device-index.js';
import { errorText } from '../lib/api.js';
import { groupById, useDeviceHead, useDevices, useGroups } from '../lib/queries.js';

const INITIAL: ListControls = { query: '', groupId: '', state: 'all', tag: '', sort: 'name', grouped: false };
/** The most devices one run takes by id (RunCreateBody.deviceIds). */
const MAX_RUN_SELECTION = Math.min(1000, RUN_MAX_DEVICES);

export function DevicesPage() {
  const devices = useDevices();
  const head = useDeviceHead(devices.data === undefined);
  const groups = useGroups();
  const navigate = useNavigate();
  const [controls, setControls] = useState<ListControls>(INITIAL);
  const [selected, setSelected] = useState<ReadonlySet<string>>(() => new Set());

  const full = devices.data;
  const preview = full === undefined ? head.data : undefined;
  const list = full ?? preview?.devices;
  const groupMap = useMemo(() => groupById(groups.data), [groups.data]);
  const index = useMemo(() => indexDevices(list ?? []), [list]);
  const sorted = useMemo(() => sortIndex(index, controls.sort), [index, controls.sort]);
  const tags = useMemo(() => allTags(full ?? []), [full]);
  const { query, groupId, state, tag, grouped } = controls;
  const matching = useMemo(() => filterIndex(sorted, { query, groupId, state, tag }, groupMap), [sorted, query, groupId, state, tag, groupMap]);
  const rows = useMemo(() => listRows(matching, grouped, groupMap), [matching, grouped, groupMap]);

  const onChange = useCallback((patch: Partial<ListControls>) => setControls((c) => ({ ...c, ...patch })), []);
  const onToggle = useCallback((id: string, on: boolean) => {
    setSelected((s) => {
      const next = new Set(s);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  }, []);

  // Only devices that still exist (a selected device may have been removed meanwhile).
  const chosen = useMemo(() => (list ?? []).filter((d) => selected.has(d.id)).map((d) => d.id), [list, selected]);
  const allMatchingSelected = matching.length > 0 && matching.every((x) => selected.has(x.device.id));

  function runOnSelected(): void {
    const q = new URLSearchParams(chosen.map((id) => ['device', id]));
    void navigate(`/run?${q.toString()}`);
  }

  if (devices.isError) return <Notice>{errorText(devices.error)}</Notice>;
  if (list === undefined) return <Spinner label="Loading devices…" />;
  const n = preview ? preview.total : matching.length;
  return (
    <section className="devices-page" aria-busy={preview !== undefined}>
      <div className="row">
        <h1 className="grow">Devices</h1>
        <span className="muted" data-testid="device-count" aria-live="polite">{`${n} device${n === 1 ? '' : 's'}`}</span>
      </div>
      <DeviceFilters value={controls} onChange={onChange} groups={groups.data ?? []} tags={tags} disabled={preview !== undefined} />
      <div className="row dev-actions">
        <label className="check">
          <input type="checkbox" checked={allMatchingSelected} disabled={n === 0 || preview !== undefined}
            onChange={(e) => setSelected(e.target.checked ? new Set([...selected, ...matching.map((x) => x.device.id)]) : new Set())} />
          Select all matching
        </label>
        {chosen.length > 0 && <span className="muted">{chosen.length} selected</span>}
        {chosen.length > 0 && <Button variant="quiet" onClick={() => setSelected(new Set())}>Clear selection</Button>}
        <span className="grow" />
        <Button variant="primary" disabled={chosen.length === 0 || chosen.length > MAX_RUN_SELECTION} onClick={runOnSelected}
          title={chosen.length > MAX_RUN_SELECTION ? `At most ${MAX_RUN_SELECTION} devices per run; select by group or tag on the Run page` : undefined}>
          {`Run command on ${chosen.length} selected`}
        </Button>
      </div>
      {list.length === 0 ? (
        <Notice kind="info">
          No devices yet. Install an agent with the install file of a <Link to="/groups">device group</Link>.
        </Notice>
      ) : n === 0 ? (
        <Notice kind="info">No device matches.</Notice>
      ) : (
        <DeviceList rows={rows} groups={groupMap} selected={selected} onToggle={onToggle} />
      )}
    </section>
  );
}
