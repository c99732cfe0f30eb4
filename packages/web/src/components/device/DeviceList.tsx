/**
 * The virtualised device table: only the rows in view (plus a few) are in the DOM, so 10,000
 * devices cost the same to render and to filter as 50. Rows have a fixed height.
 */
import { memo, useRef } from 'react';
import { Link } from 'react-router';
import { useVirtualizer } from '@tanstack/react-virtual';
import { OnlineBadge } from '../ui.js';
import { agoText, formatTime } from '../../lib/device-time.js';
import { isGroupHeader, type IndexedDevice, type ListRow } from '../../lib/device-index.js';
import type { DeviceGroup } from '../../lib/queries.js';

const ROW_HEIGHT = 44;

export function DeviceList({ rows, groups, selected, onToggle }: {
  rows: readonly ListRow[];
  groups: ReadonlyMap<string, DeviceGroup>;
  selected: ReadonlySet<string>;
  onToggle: (id: string, on: boolean) => void;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });
  return (
    <div className="dev-table" role="table" aria-label="Devices" aria-rowcount={rows.length + 1}>
      <div className="dev-row dev-head" role="row">
        <span role="columnheader"><span className="sr-only">Select</span></span>
        <span role="columnheader">Name</span>
        <span role="columnheader">State</span>
        <span role="columnheader">Group</span>
        <span role="columnheader" className="hide-narrow">OS</span>
        <span role="columnheader" className="hide-narrow">Last seen</span>
        <span role="columnheader" className="hide-narrow">Tags</span>
      </div>
      <div ref={scroller} className="dev-scroll" role="rowgroup">
        <div className="dev-inner" style={{ height: v.getTotalSize() }}>
          {v.getVirtualItems().map((vi) => {
            const row = rows[vi.index]!;
            if (isGroupHeader(row))
              return (
                <div key={`g-${row.id}`} className="dev-row dev-group" role="row" aria-rowindex={vi.index + 2} style={{ transform: `translateY(${vi.start}px)`, height: ROW_HEIGHT }}>
                  <span role="cell" className="dev-group-name">{row.name} <span className="muted">({row.count})</span></span>
                </div>
              );
            const d = row.device;
            return <DeviceRow key={d.id} item={row} groupName={groups.get(d.groupId)?.name ?? ''} index={vi.index + 2} start={vi.start} checked={selected.has(d.id)} onToggle={onToggle} />;
          })}
        </div>
      </div>
    </div>
  );
}

const DeviceRow = memo(function DeviceRow({ item, groupName, index, start, checked, onToggle }: {
  item: IndexedDevice;
  groupName: string;
  index: number;
  start: number;
  checked: boolean;
  onToggle: (id: string, on: boolean) => void;
}) {
  const d = item.device;
  return (
    <div className="dev-row" role="row" aria-rowindex={index} style={{ transform: `translateY(${start}px)`, height: ROW_HEIGHT }} data-testid="device-row" data-device-id={d.id}>
      <span role="cell">
        <input type="checkbox" aria-label={`Select ${d.name}`} checked={checked} onChange={(e) => onToggle(d.id, e.target.checked)} />
      </span>
      <span role="cell" className="dev-name"><Link to={`/devices/${d.id}`}>{d.name || '(no name)'}</Link></span>
      <span role="cell"><OnlineBadge online={d.online} /></span>
      <span role="cell" className="ellipsis">{groupName}</span>
      <span role="cell" className="ellipsis hide-narrow">{d.os ?? ''}</span>
      <span role="cell" className="hide-narrow">{d.online ? <span className="muted">now</span> : item.lastSeenMs > 0 ? <time dateTime={d.lastSeen ?? ''} title={formatTime(item.lastSeenMs)}>{agoText(item.lastSeenMs)}</time> : <span className="muted">never</span>}</span>
      <span role="cell" className="ellipsis hide-narrow">{d.tags.map((t) => <span key={t} className="tag">{t}</span>)}</span>
    </div>
  );
});
