/** A directory listing: directories first, then by name; per entry Download, Rename, Delete. */
import { Link } from 'react-router';
import type { FileEntry } from '@meshwork/protocol';
import { Button, formatBytes } from '../ui.js';
import { joinPath, modeString } from '../../lib/device-files.js';
import { printable } from '../../lib/device-relay.js';

const collator = new Intl.Collator(undefined, { numeric: true });
export function sortEntries(entries: readonly FileEntry[]): FileEntry[] {
  return [...entries].sort((a, b) => Number(b.type === 'dir') - Number(a.type === 'dir') || collator.compare(a.name, b.name));
}

export function FileTable({ dir, entries, busy, onDownload, onRename, onDelete }: {
  dir: string;
  entries: readonly FileEntry[];
  busy: boolean;
  onDownload: (e: FileEntry) => void;
  onRename: (e: FileEntry) => void;
  onDelete: (e: FileEntry) => void;
}) {
  if (entries.length === 0) return <p className="muted">This folder is empty.</p>;
  return (
    <div className="table-wrap">
      <table className="list files">
        <thead>
          <tr>
            <th>Name</th>
            <th className="num">Size</th>
            <th className="hide-narrow">Modified</th>
            <th className="hide-narrow">Mode</th>
            <th className="hide-narrow">Type</th>
            <th><span className="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => {
            const path = joinPath(dir, e.name);
            const name = printable(e.name);
            return (
              <tr key={e.name} data-testid="file-row" data-name={e.name}>
                <td className="file-name">
                  {e.type === 'dir' && path ? (
                    <Link to={`?path=${encodeURIComponent(path)}`}><span aria-hidden="true">📁 </span>{name}</Link>
                  ) : (
                    <span>{name}{e.type === 'symlink' && e.target !== undefined && <span className="muted">{` → ${printable(e.target)}`}</span>}</span>
                  )}
                </td>
                <td className="num">{e.type === 'dir' ? '' : formatBytes(e.size)}</td>
                <td className="hide-narrow"><time dateTime={new Date(e.mtime).toISOString()}>{new Date(e.mtime).toLocaleString()}</time></td>
                <td className="hide-narrow mono">{modeString(e.type, e.mode)}</td>
                <td className="hide-narrow">{e.type}</td>
                <td className="file-actions">
                  {e.type === 'file' && <Button disabled={busy || !path} onClick={() => onDownload(e)} aria-label={`Download ${name}`}>Download</Button>}
                  <Button variant="quiet" disabled={busy || !path} onClick={() => onRename(e)} aria-label={`Rename ${name}`}>Rename</Button>
                  <Button variant="quiet" disabled={busy || !path} onClick={() => onDelete(e)} aria-label={`Delete ${name}`}>Delete</Button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
