/** Name, tags and notes of a device: editable with `manageDevices` (name, tags) and `notes`. */
import { useEffect, useId, useState, type FormEvent } from 'react';
import type { Device } from '@meshwork/protocol';
import { Button, Notice } from '../ui.js';
import { errorText } from '../../lib/api.js';
import { useUpdateDevice } from '../../lib/device-queries.js';

export function DeviceSettings({ device, canManage, canNotes }: { device: Device; canManage: boolean; canNotes: boolean }) {
  const id = useId();
  const update = useUpdateDevice(device.id);
  const [name, setName] = useState(device.name);
  const [tag, setTag] = useState('');
  const [notes, setNotes] = useState(device.notes);
  const [saved, setSaved] = useState<string | null>(null);
  useEffect(() => setName(device.name), [device.name]);
  useEffect(() => setNotes(device.notes), [device.notes]);

  function save(patch: Parameters<typeof update.mutate>[0], what: string): void {
    setSaved(null);
    update.mutate(patch, { onSuccess: () => setSaved(what) });
  }
  function rename(e: FormEvent): void {
    e.preventDefault();
    if (name.trim() && name.trim() !== device.name) save({ name: name.trim() }, 'Name saved.');
  }
  function addTag(e: FormEvent): void {
    e.preventDefault();
    const t = tag.trim();
    if (!t || device.tags.includes(t)) return setTag('');
    save({ tags: [...device.tags, t] }, `Tag “${t}” added.`);
    setTag('');
  }

  return (
    <section className="panel" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>Name, tags and notes</h2>
      {canManage && (
        <form className="row bottom" onSubmit={rename}>
          <div className="field grow">
            <label htmlFor={`${id}-n`}>Device name</label>
            <input id={`${id}-n`} value={name} maxLength={256} onChange={(e) => setName(e.target.value)} />
          </div>
          <Button type="submit" disabled={update.isPending || !name.trim() || name.trim() === device.name}>Rename</Button>
        </form>
      )}
      <h3>Tags</h3>
      <ul className="tag-list" aria-label="Tags">
        {device.tags.length === 0 && <li className="muted">No tags.</li>}
        {device.tags.map((t) => (
          <li key={t} className="tag">
            {t}
            {canManage && (
              <button type="button" className="tag-x" aria-label={`Remove tag ${t}`} disabled={update.isPending}
                onClick={() => save({ tags: device.tags.filter((x) => x !== t) }, `Tag “${t}” removed.`)}>×</button>
            )}
          </li>
        ))}
      </ul>
      {canManage && (
        <form className="row bottom" onSubmit={addTag}>
          <div className="field">
            <label htmlFor={`${id}-t`}>New tag</label>
            <input id={`${id}-t`} value={tag} maxLength={64} onChange={(e) => setTag(e.target.value)} />
          </div>
          <Button type="submit" disabled={update.isPending || !tag.trim() || device.tags.length >= 64}>Add tag</Button>
        </form>
      )}
      <div className="field">
        <label htmlFor={`${id}-o`}>Notes</label>
        <textarea id={`${id}-o`} rows={4} maxLength={4096} value={notes} readOnly={!canNotes} onChange={(e) => setNotes(e.target.value)} />
        {!canNotes && <span className="field-hint">You cannot edit notes on this device's group.</span>}
      </div>
      {canNotes && (
        <div className="row end">
          <Button disabled={update.isPending || notes === device.notes} onClick={() => save({ notes }, 'Notes saved.')}>Save notes</Button>
        </div>
      )}
      {update.isError && <Notice>{errorText(update.error)}</Notice>}
      {saved && !update.isError && <Notice kind="ok">{saved}</Notice>}
    </section>
  );
}
