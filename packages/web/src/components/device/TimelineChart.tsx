/**
 * Connection timeline: online/offline bands over the last 7 days as a hand-made SVG, with a text
 * summary for screen readers (and everyone else) and the list of recent changes.
 */
import { useId, useMemo } from 'react';
import type { Device, TimelineEntry } from '@meshwork/protocol';
import { Notice, Spinner } from '../ui.js';
import { errorText } from '../../lib/api.js';
import { useTimeline } from '../../lib/device-queries.js';

const DAY = 86_400_000;
const SPAN = 7 * DAY;
const W = 700;
const H = 28;
/** A band of a few seconds is still visible (a device that just came online). */
const MIN_BAND = 4;

type Band = { from: number; to: number; state: 'online' | 'offline' | 'unknown'; detail: string };

/** Bands from `now - SPAN` to `now`; before the first known change the state is unknown. */
export function timelineBands(entries: readonly TimelineEntry[], device: Pick<Device, 'online' | 'createdAt'>, now: number): Band[] {
  const start = now - SPAN;
  const created = Date.parse(device.createdAt);
  const bands: Band[] = [];
  const sorted = entries.map((e) => ({ t: Date.parse(e.time), e })).filter((x) => Number.isFinite(x.t)).sort((a, b) => a.t - b.t);
  const first = sorted[0];
  if (!first) return [{ from: Math.max(start, created), to: now, state: device.online ? 'online' : 'offline', detail: '' }].filter((b) => b.to > b.from) as Band[];
  if (first.t > start) bands.push({ from: start, to: first.t, state: 'unknown', detail: '' });
  sorted.forEach((x, i) => {
    const to = sorted[i + 1]?.t ?? now;
    const from = Math.max(x.t, start);
    if (to > from) bands.push({ from, to, state: x.e.state === 'online' ? 'online' : 'offline', detail: x.e.state === 'online' || x.e.state === 'offline' ? x.e.detail : `${x.e.state}${x.e.detail ? `: ${x.e.detail}` : ''}` });
  });
  return bands;
}

export function TimelineChart({ device }: { device: Device }) {
  const q = useTimeline(device.id);
  const id = useId();
  const now = useMemo(() => Date.now(), [q.data]);
  const bands = useMemo(() => timelineBands(q.data ?? [], device, now), [q.data, device, now]);
  const known = bands.filter((b) => b.state !== 'unknown').reduce((s, b) => s + b.to - b.from, 0);
  const online = bands.filter((b) => b.state === 'online').reduce((s, b) => s + b.to - b.from, 0);
  const drops = (q.data ?? []).filter((e) => e.state !== 'online' && Date.parse(e.time) >= now - SPAN).length;
  const summary = known === 0
    ? 'No connection history in the last 7 days.'
    : `Online ${Math.round((online / known) * 100)} % of the known time in the last 7 days; ${drops} disconnection${drops === 1 ? '' : 's'}; ${device.online ? 'online now' : 'offline now'}.`;
  const x = (t: number): number => ((t - (now - SPAN)) / SPAN) * W;

  return (
    <section className="panel" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>Connection, last 7 days</h2>
      {q.isPending ? <Spinner /> : q.isError ? <Notice>{errorText(q.error)}</Notice> : (
        <>
          <svg className="timeline" viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={`${id}-s`} preserveAspectRatio="none">
            <rect x={0} y={0} width={W} height={H} className="tl-unknown" />
            {bands.map((b) => (
              <rect key={b.from} x={Math.min(x(b.from), W - MIN_BAND)} y={0} width={Math.max(MIN_BAND, x(b.to) - x(b.from))} height={H} className={`tl-${b.state}`}>
                <title>{`${b.state} from ${new Date(b.from).toLocaleString()} to ${new Date(b.to).toLocaleString()}${b.detail ? ` (${b.detail})` : ''}`}</title>
              </rect>
            ))}
            {Array.from({ length: 6 }, (_, i) => <line key={i} x1={((i + 1) * W) / 7} x2={((i + 1) * W) / 7} y1={0} y2={H} className="tl-tick" />)}
          </svg>
          <div className="tl-labels small muted" aria-hidden="true">
            {Array.from({ length: 8 }, (_, i) => <span key={i}>{i === 7 ? 'now' : `−${7 - i} d`}</span>)}
          </div>
          <p id={`${id}-s`}>{summary}</p>
          <p className="legend small">
            <span className="sw tl-online" aria-hidden="true" /> online <span className="sw tl-offline" aria-hidden="true" /> offline{' '}
            <span className="sw tl-unknown" aria-hidden="true" /> unknown
          </p>
          {(q.data?.length ?? 0) > 0 && (
            <details>
              <summary>Recent changes</summary>
              <ul className="small">
                {[...(q.data ?? [])].reverse().slice(0, 30).map((e) => (
                  <li key={`${e.time}-${e.state}`}>
                    <time dateTime={e.time}>{new Date(e.time).toLocaleString()}</time> — {e.state}{e.detail ? ` (${e.detail})` : ''}
                  </li>
                ))}
              </ul>
            </details>
          )}
        </>
      )}
    </section>
  );
}
