/** The Files tab's dialogs: a name (new folder, rename) and the delete confirmation. */
import { useEffect, useState, type FormEvent } from 'react';
import type { FileEntry } from '@meshwork/protocol';
import { Button, Dialog, Field } from '../ui.js';
import { printable } from '../../lib/device-relay.js';

export function NameDialog({ open, title, label, initial, submitLabel, onSubmit, onClose }: {
  open: boolean; title: string; label: string; initial: string; submitLabel: string;
  onSubmit: (name: string) => void; onClose: () => void;
}) {
  const [name, setName] = useState(initial);
  useEffect(() => setName(initial), [initial, open]);
  const bad = name.includes('/') || name === '.' || name === '..';
  function submit(e: FormEvent): void {
    e.preventDefault();
    if (name && !bad) onSubmit(name);
  }
  return (
    <Dialog open={open} title={title} onClose={onClose}>
      <form onSubmit={submit}>
        <Field label={label} value={name} autoFocus onChange={(e) => setName(e.target.value)} error={bad ? 'A name cannot contain / or be . or ..' : null} />
        <div className="row end">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" disabled={!name || bad || name === initial}>{submitLabel}</Button>
        </div>
      </form>
    </Dialog>
  );
}

export function DeleteDialog({ entry, path, onConfirm, onClose }: {
  entry: FileEntry | null; path: string; onConfirm: (recursive: boolean) => void; onClose: () => void;
}) {
  const [recursive, setRecursive] = useState(false);
  useEffect(() => setRecursive(false), [entry]);
  const dir = entry?.type === 'dir';
  return (
    <Dialog open={entry !== null} title={`Delete ${dir ? 'folder' : 'file'}?`} onClose={onClose}>
      <p>
        Delete <span className="mono">{printable(path)}</span> on the device? This cannot be undone.
      </p>
      {dir && (
        <label className="check">
          <input type="checkbox" checked={recursive} onChange={(e) => setRecursive(e.target.checked)} />
          Also delete everything inside the folder
        </label>
      )}
      {dir && !recursive && <p className="field-hint">Without this, only an empty folder can be deleted.</p>}
      <div className="row end">
        <Button onClick={onClose}>Cancel</Button>
        <Button variant="danger" onClick={() => onConfirm(dir && recursive)}>Delete</Button>
      </div>
    </Dialog>
  );
}
