/** Installed packages (up to 20,000): a filter box and a virtualised list. */
import { useDeferredValue, useId, useMemo, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { Ago, Notice, Spinner } from '../ui.js';
import { errorText } from '../../lib/api.js';
import { useSoftware } from '../../lib/device-queries.js';

const ROW = 30;

export function SoftwarePanel({ deviceId }: { deviceId: string }) {
  const q = useSoftware(deviceId);
  const id = useId();
  const [filter, setFilter] = useState('');
  const deferred = useDeferredValue(filter.trim().toLowerCase());
  const keys = useMemo(() => (q.data?.packages ?? []).map((p) => `${p.name} ${p.version}`.toLowerCase()), [q.data]);
  const shown = useMemo(() => {
    const all = q.data?.packages ?? [];
    return deferred ? all.filter((_, i) => keys[i]!.includes(deferred)) : all;
  }, [q.data, keys, deferred]);
  const scroller = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({ count: shown.length, getScrollElement: () => scroller.current, estimateSize: () => ROW, overscan: 10 });

  return (
    <section className="panel" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>Software</h2>
      {q.isPending ? <Spinner /> : q.isError ? <Notice>{errorText(q.error)}</Notice> : q.data.source === 'none' || q.data.packages.length === 0 ? (
        <p className="muted">No package list reported.</p>
      ) : (
        <>
          <div className="row">
            <div className="field grow">
              <label htmlFor={`${id}-f`}>Filter software</label>
              <input id={`${id}-f`} type="search" value={filter} onChange={(e) => setFilter(e.target.value)} autoComplete="off" />
            </div>
            <span className="muted small">{`${shown.length} of ${q.data.packages.length} ${q.data.source} packages`} · <Ago iso={q.data.updatedAt} /></span>
          </div>
          <div ref={scroller} className="sw-scroll" role="list" aria-label="Installed packages">
            <div className="dev-inner" style={{ height: v.getTotalSize() }}>
              {v.getVirtualItems().map((vi) => {
                const p = shown[vi.index]!;
                return (
                  <div key={vi.key} role="listitem" className="sw-row" style={{ transform: `translateY(${vi.start}px)`, height: ROW }}>
                    <span className="ellipsis">{p.name}</span>
                    <span className="mono muted ellipsis">{p.version}</span>
                  </div>
                );
              })}
            </div>
          </div>
        </>
      )}
    </section>
  );
}
