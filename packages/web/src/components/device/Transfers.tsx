/** Upload controls (drop zone and file picker) and the per-file progress of transfers. */
import { useId, useState, type DragEvent } from 'react';
import { formatBytes } from '../ui.js';
import { printable } from '../../lib/device-relay.js';

export interface Transfer {
  key: number;
  kind: 'upload' | 'download';
  name: string;
  done: number;
  total: number;
  state: 'queued' | 'running' | 'done' | 'error';
  error?: string;
}

export function UploadZone({ dir, disabled, onFiles }: { dir: string; disabled: boolean; onFiles: (files: File[]) => void }) {
  const id = useId();
  const [over, setOver] = useState(false);
  function drop(e: DragEvent): void {
    e.preventDefault();
    setOver(false);
    if (!disabled && e.dataTransfer.files.length > 0) onFiles([...e.dataTransfer.files]);
  }
  return (
    <div className={`drop-zone${over ? ' over' : ''}`} data-testid="drop-zone"
      onDragOver={(e) => { e.preventDefault(); setOver(true); }} onDragLeave={() => setOver(false)} onDrop={drop}>
      <label htmlFor={id}>Upload files</label>
      <input id={id} type="file" multiple disabled={disabled}
        onChange={(e) => { if (e.target.files) onFiles([...e.target.files]); e.target.value = ''; }} />
      <span className="muted small">{`or drop files here — they go to ${printable(dir)}`}</span>
    </div>
  );
}

export function TransferList({ items, onClear }: { items: readonly Transfer[]; onClear: () => void }) {
  if (items.length === 0) return null;
  return (
    <div className="transfers">
      <ul aria-label="Transfers">
        {items.map((t) => (
          <li key={t.key} data-testid="transfer" data-state={t.state}>
            <span className="grow ellipsis">{`${t.kind === 'upload' ? '↑' : '↓'} ${printable(t.name)}`}</span>
            <progress max={t.total || 1} value={t.state === 'done' ? t.total || 1 : t.done} aria-label={`${t.kind} of ${printable(t.name)}`} />
            <span className="small">
              {t.state === 'error' ? <span className="field-error">{t.error}</span> : t.state === 'done' ? 'done' : t.state === 'queued' ? 'waiting' : `${formatBytes(t.done)} of ${formatBytes(t.total)}`}
            </span>
          </li>
        ))}
      </ul>
      {items.every((t) => t.state === 'done' || t.state === 'error') && <button type="button" className="btn btn-quiet" onClick={onClear}>Clear list</button>}
    </div>
  );
}
