/**
 * Browse and change files on the device over a files relay session: breadcrumbs (the path is in
 * the URL, ?path=), listing, upload (picker or drag-and-drop, per-file progress), download
 * (streamed into a Blob, saved with <a download>), new folder, rename, delete.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { normalizeRemotePath, type FileEntry } from '@meshwork/protocol';
import { Button, Notice, Spinner } from '../ui.js';
import { errorText } from '../../lib/api.js';
import { crumbs, fileChunks, FilesSession, joinPath, saveBytes } from '../../lib/device-files.js';
import { printable } from '../../lib/device-relay.js';
import { FileTable, sortEntries } from './FileTable.js';
import { DeleteDialog, NameDialog } from './FileDialogs.js';
import { TransferList, UploadZone, type Transfer } from './Transfers.js';

let transferKey = 0;

export function FilesTab({ deviceId }: { deviceId: string }) {
  const [params] = useSearchParams();
  const checked = normalizeRemotePath(params.get('path') ?? '/');
  const dir = checked.ok ? checked.path : '/';
  const qc = useQueryClient();
  const sessionRef = useRef<FilesSession | null>(null);
  const session = useCallback((): FilesSession => (sessionRef.current ??= new FilesSession(deviceId)), [deviceId]);
  useEffect(() => () => {
    sessionRef.current?.dispose();
    sessionRef.current = null;
  }, [deviceId]);

  const listKey = ['device', deviceId, 'files', dir];
  const listing = useQuery({ queryKey: listKey, queryFn: () => session().run((c) => c.list(dir)).then(sortEntries), retry: false, staleTime: 5_000 });
  const refresh = (): Promise<void> => qc.invalidateQueries({ queryKey: listKey });

  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [transfers, setTransfers] = useState<Transfer[]>([]);
  const [dialog, setDialog] = useState<{ kind: 'mkdir' } | { kind: 'rename'; entry: FileEntry } | null>(null);
  const [deleting, setDeleting] = useState<FileEntry | null>(null);
  const [overwrite, setOverwrite] = useState(false);

  const patch = (key: number, p: Partial<Transfer>): void => setTransfers((ts) => ts.map((t) => (t.key === key ? { ...t, ...p } : t)));

  async function op(what: string, fn: () => Promise<void>): Promise<void> {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(`${what}: ${errorText(e)}`);
    } finally {
      setBusy(false);
      void refresh();
    }
  }

  function upload(files: File[]): void {
    const here = dir;
    const items = files.map((f): Transfer & { file: File } => ({ key: ++transferKey, kind: 'upload', name: f.name, done: 0, total: f.size, state: 'queued', file: f }));
    setTransfers((ts) => [...ts, ...items.map(({ file: _f, ...t }) => t)]);
    for (const it of items) {
      const path = joinPath(here, it.name);
      if (!path) {
        patch(it.key, { state: 'error', error: 'not a valid file name' });
        continue;
      }
      session()
        .run((c) => {
          patch(it.key, { state: 'running' });
          return c.upload(path, fileChunks(it.file), it.file.size, overwrite, (done, total) => patch(it.key, { done, total }));
        })
        .then(() => patch(it.key, { state: 'done', done: it.total }), (e: unknown) => patch(it.key, { state: 'error', error: errorText(e) }))
        .finally(() => void qc.invalidateQueries({ queryKey: ['device', deviceId, 'files', here] }));
    }
  }

  function download(e: FileEntry): void {
    const path = joinPath(dir, e.name);
    if (!path) return;
    const key = ++transferKey;
    const chunks: Uint8Array[] = [];
    setTransfers((ts) => [...ts, { key, kind: 'download', name: e.name, done: 0, total: e.size, state: 'queued' }]);
    session()
      .run((c) => {
        patch(key, { state: 'running' });
        return c.download(path, async (b) => void chunks.push(b), (done, total) => patch(key, { done, total }));
      })
      .then(() => {
        patch(key, { state: 'done' });
        saveBytes(chunks, e.name);
      }, (err: unknown) => patch(key, { state: 'error', error: errorText(err) }));
  }

  const deletePath = deleting ? (joinPath(dir, deleting.name) ?? '') : '';
  return (
    <section className="files-tab" aria-label="Files">
      <nav aria-label="Folder path" className="crumbs">
        {crumbs(dir).map(([label, p], i, all) => (
          <span key={p}>
            {i === all.length - 1 ? <span aria-current="page">{printable(label)}</span> : <Link to={`?path=${encodeURIComponent(p)}`}>{printable(label)}</Link>}
            {i > 0 && i < all.length - 1 && <span aria-hidden="true"> / </span>}
          </span>
        ))}
      </nav>
      {!checked.ok && <Notice>{checked.message}</Notice>}
      <div className="row">
        <Button onClick={() => setDialog({ kind: 'mkdir' })} disabled={busy}>New folder</Button>
        <Button variant="quiet" onClick={() => void refresh()}>Refresh</Button>
        <label className="check">
          <input type="checkbox" checked={overwrite} onChange={(e) => setOverwrite(e.target.checked)} />
          Replace existing files on upload
        </label>
      </div>
      <UploadZone dir={dir} disabled={false} onFiles={upload} />
      <TransferList items={transfers} onClear={() => setTransfers([])} />
      {error && <Notice>{error}</Notice>}
      {listing.isPending ? <Spinner label="Reading the folder…" /> : listing.isError ? (
        <Notice>{errorText(listing.error)}</Notice>
      ) : (
        <FileTable dir={dir} entries={listing.data} busy={busy} onDownload={download}
          onRename={(entry) => setDialog({ kind: 'rename', entry })} onDelete={setDeleting} />
      )}
      <NameDialog open={dialog !== null} title={dialog?.kind === 'rename' ? `Rename ${printable(dialog.entry.name)}` : 'New folder'}
        label={dialog?.kind === 'rename' ? 'New name' : 'Folder name'} initial={dialog?.kind === 'rename' ? dialog.entry.name : ''}
        submitLabel={dialog?.kind === 'rename' ? 'Rename' : 'Create folder'} onClose={() => setDialog(null)}
        onSubmit={(name) => {
          const d = dialog;
          setDialog(null);
          const to = joinPath(dir, name);
          if (!d || !to) return;
          if (d.kind === 'mkdir') void op('New folder', () => session().run((c) => c.mkdir(to)));
          else {
            const from = joinPath(dir, d.entry.name);
            if (from) void op('Rename', () => session().run((c) => c.rename(from, to)));
          }
        }} />
      <DeleteDialog entry={deleting} path={deletePath} onClose={() => setDeleting(null)}
        onConfirm={(recursive) => {
          setDeleting(null);
          if (deletePath) void op('Delete', () => session().run((c) => c.remove(deletePath, recursive)));
        }} />
    </section>
  );
}
